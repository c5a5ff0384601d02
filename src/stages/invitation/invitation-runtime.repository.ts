/**
 * The invitation as the flow uses it: lookup, and the atomic statements that claim a use. Each
 * claim is one conditional UPDATE or DELETE ... RETURNING, so of any number of concurrent
 * sessions exactly as many succeed as the invitation allows.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { insertEventsSql, type NewEvent } from '../../events/event.repository.js';
import type { AuthUser } from '../../api/context.js';
import { uuidArray } from '../../db/list-query.js';
import { isSuperuserSql } from '../../db/user-identity.sql.js';

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
  revoked: boolean;
  /** Tessera's grants (group and role pks) and email binding. */
  groups: string[];
  roles: string[];
  email: string | null;
  email_domains: string[] | null;
}

export interface InvitationStageSettings {
  continue_flow_without_invitation: boolean;
  single_use_consumption: 'open' | 'enrollment';
  lease_seconds: number;
}

/** authentik's default manager: an expiring invitation past its expiry does not exist. */
const VALID = sql`NOT (expiring AND expires IS NOT NULL AND expires < now())`;

/** Tessera: a revoked invitation is kept but no statement may take a use of it. */
const NOT_REVOKED = sql`revoked_at IS NULL`;

/**
 * How a single-use invitation is used up: `delete` removes the row (authentik's behaviour,
 * TESSERA_INVITATIONS_RETENTION=authentik), `keep` counts its one use and keeps the row, marked
 * used up, until the retention clean-up. Either way only a statement that finds the invitation
 * still unused succeeds, so a second use is refused.
 */
export type SingleUseEnd = 'delete' | 'keep';

function useUpSingle(inviteUuid: string, end: SingleUseEnd, condition: SQL): SQL {
  return end === 'delete'
    ? sql`DELETE FROM invitations WHERE invite_uuid = ${inviteUuid} AND ${condition} RETURNING invite_uuid`
    : sql`UPDATE invitations SET uses = uses + 1, used_up_at = now(), lease_holder = NULL, lease_expires = NULL
          WHERE invite_uuid = ${inviteUuid} AND uses < 1 AND ${condition} RETURNING invite_uuid`;
}

export function createInvitationRuntimeRepository(db: Db) {
  return {
    /**
     * The stage's settings and the invitation in one round trip (the invitation is null when
     * there is no such row, or no token to look up). Undefined when the stage is gone.
     */
    async stageAndInvitation(
      stagePk: string,
      inviteUuid: string | null,
    ): Promise<{ settings: InvitationStageSettings; invitation: RuntimeInvitation | null } | undefined> {
      const rows = await query<InvitationStageSettings & { invitation: RuntimeInvitation | null }>(
        db,
        sql`SELECT s.continue_flow_without_invitation, s.single_use_consumption, s.lease_seconds,
                   (SELECT json_build_object(
                      'invite_uuid', i.invite_uuid, 'name', i.name, 'expires', drf_datetime(i.expires),
                      'expired', NOT ${VALID}, 'flow', i.flow, 'single_use', i.single_use,
                      'fixed_data', i.fixed_data, 'created_by', i.created_by, 'max_uses', i.max_uses,
                      'uses', i.uses, 'revoked', i.revoked_at IS NOT NULL,
                      'leased_by', CASE WHEN i.lease_expires > now() THEN i.lease_holder END,
                      'groups', coalesce((SELECT json_agg(ig.group_uuid) FROM invitation_groups ig
                        WHERE ig.invitation_uuid = i.invite_uuid), '[]'),
                      'roles', coalesce((SELECT json_agg(ir.role_uuid) FROM invitation_roles ir
                        WHERE ir.invitation_uuid = i.invite_uuid), '[]'),
                      'email', i.email, 'email_domains', i.email_domains)
                    FROM invitations i WHERE i.invite_uuid = ${inviteUuid}) AS invitation
            FROM invitation_stages s WHERE s.stage_uuid = ${stagePk}`,
      );
      const row = rows[0];
      if (!row) return undefined;
      const { invitation, ...settings } = row;
      return { settings, invitation };
    },

    /**
     * Single use, consumed on open, as one statement: the conditional DELETE (or, keeping the
     * row, UPDATE; `end`), the usage record
     * and the events commit together or not at all, without a transaction's extra round trips.
     * Of concurrent sessions the first to delete the row has it; the others wait for its commit
     * and find nothing; `lostEvents` (the refusal's audit entry) are written instead in that
     * case. `claim` (claimSessionSql) is the browser session's own claim: when another request
     * of the same session wrote it first, nothing is written and the answer is 'conflict'.
     * Returns the usage record's id, or undefined when the invitation was lost.
     */
    async consumeOnOpen(
      inviteUuid: string,
      flowPk: string,
      clientIp: string | null,
      events: NewEvent[],
      lostEvents: NewEvent[],
      end: SingleUseEnd,
      claim: SQL = sql`SELECT 1`,
    ): Promise<number | undefined | 'conflict'> {
      const condition = sql`${VALID} AND ${NOT_REVOKED} AND (flow IS NULL OR flow = ${flowPk})
        AND EXISTS (SELECT 1 FROM claimed)`;
      const rows = await query<{ claimed: boolean; id: number | null }>(
        db,
        sql`WITH claimed AS (${claim}), consumed AS (
              ${useUpSingle(inviteUuid, end, condition)}
            ), used AS (
              INSERT INTO invitation_uses (invitation_uuid, user_id, username, client_ip)
              SELECT invite_uuid, NULL, '', ${clientIp} FROM consumed RETURNING id
            ), logged AS (
              ${insertEventsSql(events, sql`EXISTS (SELECT 1 FROM consumed)`)}
            ), refused AS (
              ${insertEventsSql(lostEvents, sql`EXISTS (SELECT 1 FROM claimed) AND NOT EXISTS (SELECT 1 FROM consumed)`)}
            )
            SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, (SELECT id FROM used) AS id`,
      );
      const row = rows[0];
      if (!row?.claimed) return 'conflict';
      return row.id === null ? undefined : Number(row.id);
    },

    /** Single use, consumed at enrollment: a lease for one holder, renewable by that holder. */
    async lease(inviteUuid: string, flowPk: string, holder: string, seconds: number): Promise<boolean> {
      const rows = await query(
        db,
        sql`UPDATE invitations SET lease_holder = ${holder}, lease_expires = now() + make_interval(secs => ${seconds})
            WHERE invite_uuid = ${inviteUuid} AND ${VALID} AND ${NOT_REVOKED} AND uses < 1
              AND (flow IS NULL OR flow = ${flowPk})
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
     * The leased invitation is consumed by its holder, with its usage record and events, in one
     * statement. A lease that ran out still counts as long as nobody else took the invitation
     * meanwhile and it was not revoked (revocation also drops the lease). False when the holder
     * no longer has it (nothing is written then).
     */
    async consumeLeased(
      inviteUuid: string,
      holder: string,
      clientIp: string | null,
      user: { id: number; username: string },
      events: NewEvent[],
      end: SingleUseEnd,
    ): Promise<boolean> {
      const rows = await query(
        db,
        sql`WITH consumed AS (
              ${useUpSingle(inviteUuid, end, sql`lease_holder = ${holder} AND ${NOT_REVOKED}`)}
            ), logged AS (
              ${insertEventsSql(events, sql`EXISTS (SELECT 1 FROM consumed)`)}
            )
            INSERT INTO invitation_uses (invitation_uuid, user_id, username, client_ip)
            SELECT invite_uuid, ${user.id}, ${user.username}, ${clientIp} FROM consumed RETURNING id`,
      );
      return rows.length > 0;
    },

    /**
     * One more use of a multi-use invitation, within `max_uses`, and its usage record, in one
     * statement; the use that takes the last one marks it used up. False when the invitation is
     * used up or revoked (nothing is written then).
     */
    async countUse(
      inviteUuid: string,
      clientIp: string | null,
      user: { id: number; username: string },
    ): Promise<boolean> {
      const rows = await query(
        db,
        sql`WITH counted AS (
              UPDATE invitations SET uses = uses + 1,
                used_up_at = CASE WHEN max_uses IS NOT NULL AND uses + 1 >= max_uses THEN now() ELSE used_up_at END
              WHERE invite_uuid = ${inviteUuid} AND (max_uses IS NULL OR uses < max_uses) AND ${NOT_REVOKED}
              RETURNING invite_uuid
            )
            INSERT INTO invitation_uses (invitation_uuid, user_id, username, client_ip)
            SELECT invite_uuid, ${user.id}, ${user.username}, ${clientIp} FROM counted RETURNING id`,
      );
      return rows.length > 0;
    },

    /**
     * Names the user of a use taken when the link was opened. False, writing nothing, when the
     * invitation (kept after its use) has been revoked since: the enrollment is refused.
     */
    async attachUser(
      useId: number,
      inviteUuid: string,
      user: { id: number; username: string },
    ): Promise<boolean> {
      const rows = await query(
        db,
        sql`UPDATE invitation_uses SET user_id = ${user.id}, username = ${user.username}
            WHERE id = ${useId}
              AND NOT EXISTS (SELECT 1 FROM invitations WHERE invite_uuid = ${inviteUuid} AND revoked_at IS NOT NULL)
            RETURNING id`,
      );
      return rows.length > 0;
    },

    /**
     * The groups and roles among these that still exist, locked (FOR KEY SHARE) so that they
     * cannot be deleted before the memberships that name them are written.
     */
    async existingGrants(
      groupPks: string[],
      rolePks: string[],
    ): Promise<{ groups: string[]; roles: string[] }> {
      const lockExisting = async (table: SQL, pkColumn: SQL, pks: string[]): Promise<string[]> => {
        if (pks.length === 0) return [];
        const rows = await query<{ pk: string }>(
          db,
          sql`SELECT ${pkColumn} AS pk FROM ${table} WHERE ${pkColumn} = ANY(${uuidArray(pks)})
              ORDER BY ${pkColumn} FOR KEY SHARE`,
        );
        return rows.map((row) => row.pk);
      };
      return {
        groups: await lockExisting(sql`groups`, sql`group_uuid`, groupPks),
        roles: await lockExisting(sql`roles`, sql`uuid`, rolePks),
      };
    },

    /**
     * The invitation's grants and binding as they are now; undefined once it is gone (consumed
     * when opened, or deleted).
     */
    async currentTerms(inviteUuid: string): Promise<
      | {
          email: string | null;
          email_domains: string[] | null;
          groups: string[];
          roles: string[];
          created_by: number;
        }
      | undefined
    > {
      const rows = await query<{
        email: string | null;
        email_domains: string[] | null;
        groups: string[];
        roles: string[];
        created_by: number;
      }>(
        db,
        sql`SELECT i.email, i.email_domains, i.created_by,
                   coalesce((SELECT json_agg(ig.group_uuid) FROM invitation_groups ig
                     WHERE ig.invitation_uuid = i.invite_uuid), '[]') AS groups,
                   coalesce((SELECT json_agg(ir.role_uuid) FROM invitation_roles ir
                     WHERE ir.invitation_uuid = i.invite_uuid), '[]') AS roles
            FROM invitations i WHERE i.invite_uuid = ${inviteUuid}`,
      );
      return rows[0];
    },

    /** The invitation's creator as an actor of the privilege checks; undefined when deleted. */
    async creator(userId: number): Promise<AuthUser | undefined> {
      const rows = await query<AuthUser>(
        db,
        sql`SELECT u.id, u.uuid, u.username, u.name, u.email, u.is_active,
                   ${isSuperuserSql(sql`u.id`)} AS is_superuser
            FROM users u WHERE u.id = ${userId}`,
      );
      return rows[0];
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
