/**
 * The invitation as the flow uses it: lookup, and the atomic statements that claim a use. Each
 * claim is one conditional UPDATE or DELETE ... RETURNING, so of any number of concurrent
 * sessions exactly as many succeed as the invitation allows.
 */
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export interface RuntimeInvitation {
  invite_uuid: string;
  name: string;
  expires: string | null;
  expired: boolean;
  flow: string | null;
  single_use: boolean;
  fixed_data: Record<string, unknown>;
  created_by: number;
  max_uses: number | null;
  uses: number;
  leased_by: string | null;
}

export interface InvitationStageSettings {
  continue_flow_without_invitation: boolean;
  single_use_consumption: 'open' | 'enrollment';
  lease_seconds: number;
}

/** authentik's default manager: an expiring invitation past its expiry does not exist. */
const VALID = sql`NOT (expiring AND expires IS NOT NULL AND expires < now())`;

export function createInvitationRuntimeRepository(db: Db) {
  return {
    async stageSettings(stagePk: string): Promise<InvitationStageSettings | undefined> {
      const rows = await query<InvitationStageSettings>(
        db,
        sql`SELECT continue_flow_without_invitation, single_use_consumption, lease_seconds
            FROM invitation_stages WHERE stage_uuid = ${stagePk}`,
      );
      return rows[0];
    },

    async find(inviteUuid: string): Promise<RuntimeInvitation | undefined> {
      const rows = await query<RuntimeInvitation>(
        db,
        sql`SELECT invite_uuid, name, drf_datetime(expires) AS expires, NOT ${VALID} AS expired, flow, single_use,
                   fixed_data, created_by, max_uses, uses,
                   CASE WHEN lease_expires > now() THEN lease_holder END AS leased_by
            FROM invitations WHERE invite_uuid = ${inviteUuid}`,
      );
      return rows[0];
    },

    /** Single use, consumed on open: the first to delete the row has it. */
    async consume(inviteUuid: string, flowPk: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`DELETE FROM invitations WHERE invite_uuid = ${inviteUuid} AND ${VALID}
              AND (flow IS NULL OR flow = ${flowPk}) RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    /** Single use, consumed at enrollment: a lease for one holder, renewable by that holder. */
    async lease(inviteUuid: string, flowPk: string, holder: string, seconds: number): Promise<boolean> {
      const rows = await query(
        db,
        sql`UPDATE invitations SET lease_holder = ${holder}, lease_expires = now() + make_interval(secs => ${seconds})
            WHERE invite_uuid = ${inviteUuid} AND ${VALID} AND (flow IS NULL OR flow = ${flowPk})
              AND (lease_holder IS NULL OR lease_expires IS NULL OR lease_expires <= now() OR lease_holder = ${holder})
            RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    async release(inviteUuid: string, holder: string): Promise<void> {
      await db.execute(
        sql`UPDATE invitations SET lease_holder = NULL, lease_expires = NULL
            WHERE invite_uuid = ${inviteUuid} AND lease_holder = ${holder}`,
      );
    },

    /**
     * The leased invitation is consumed by its holder. A lease that ran out still counts as long
     * as nobody else took the invitation meanwhile.
     */
    async consumeLeased(inviteUuid: string, holder: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`DELETE FROM invitations WHERE invite_uuid = ${inviteUuid} AND lease_holder = ${holder}
            RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    /** One more use of a multi-use invitation, within `max_uses`. */
    async countUse(inviteUuid: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`UPDATE invitations SET uses = uses + 1
            WHERE invite_uuid = ${inviteUuid} AND (max_uses IS NULL OR uses < max_uses)
            RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    async recordUse(inviteUuid: string, clientIp: string | null, user?: { id: number; username: string }) {
      const rows = await query<{ id: number }>(
        db,
        sql`INSERT INTO invitation_uses (invitation_uuid, user_id, username, client_ip)
            VALUES (${inviteUuid}, ${user?.id ?? null}, ${user?.username ?? ''}, ${clientIp}) RETURNING id`,
      );
      return Number(rows[0].id);
    },

    async attachUser(useId: number, user: { id: number; username: string }): Promise<void> {
      await db.execute(
        sql`UPDATE invitation_uses SET user_id = ${user.id}, username = ${user.username} WHERE id = ${useId}`,
      );
    },

    /** Frees leases whose time ran out (the periodic task; an expired lease is already free to take). */
    async releaseExpiredLeases(): Promise<number> {
      const rows = await query(
        db,
        sql`UPDATE invitations SET lease_holder = NULL, lease_expires = NULL
            WHERE lease_expires IS NOT NULL AND lease_expires <= now() RETURNING invite_uuid`,
      );
      return rows.length;
    },
  };
}
