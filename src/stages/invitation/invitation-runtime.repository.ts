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
                      'uses', i.uses,
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
     * Single use, consumed on open, as one statement: the conditional DELETE, the usage record
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
      claim: SQL = sql`SELECT 1`,
    ): Promise<number | undefined | 'conflict'> {
      const rows = await query<{ claimed: boolean; id: number | null }>(
        db,
        sql`WITH claimed AS (${claim}), consumed AS (
              DELETE FROM invitations WHERE invite_uuid = ${inviteUuid} AND ${VALID}
                AND (flow IS NULL OR flow = ${flowPk}) AND EXISTS (SELECT 1 FROM claimed)
              RETURNING invite_uuid
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
     * The leased invitation is consumed by its holder, with its usage record and events, in one
     * statement. A lease that ran out still counts as long as nobody else took the invitation
     * meanwhile. False when the holder no longer has it (nothing is written then).
     */
    async consumeLeased(
      inviteUuid: string,
      holder: string,
      clientIp: string | null,
      user: { id: number; username: string },
      events: NewEvent[],
    ): Promise<boolean> {
      const rows = await query(
        db,
        sql`WITH consumed AS (
              DELETE FROM invitations WHERE invite_uuid = ${inviteUuid} AND lease_holder = ${holder}
              RETURNING invite_uuid
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
     * statement. False when the invitation is used up (nothing is written then).
     */
    async countUse(
      inviteUuid: string,
      clientIp: string | null,
      user: { id: number; username: string },
    ): Promise<boolean> {
      const rows = await query(
        db,
        sql`WITH counted AS (
              UPDATE invitations SET uses = uses + 1
              WHERE invite_uuid = ${inviteUuid} AND (max_uses IS NULL OR uses < max_uses)
              RETURNING invite_uuid
            )
            INSERT INTO invitation_uses (invitation_uuid, user_id, username, client_ip)
            SELECT invite_uuid, ${user.id}, ${user.username}, ${clientIp} FROM counted RETURNING id`,
      );
      return rows.length > 0;
    },

    async attachUser(useId: number, user: { id: number; username: string }): Promise<void> {
      await db.execute(
        sql`UPDATE invitation_uses SET user_id = ${user.id}, username = ${user.username} WHERE id = ${useId}`,
      );
    },

    /**
     * The groups and roles among these that still exist, locked (FOR KEY SHARE) so that they
     * cannot be deleted before the memberships that name them are written.
     */
    async existingGrants(
      groupPks: string[],
      rolePks: string[],
    ): Promise<{ groups: string[]; roles: string[] }> {
      const groups =
        groupPks.length === 0
          ? []
          : await query<{ pk: string }>(
              db,
              sql`SELECT group_uuid AS pk FROM groups WHERE group_uuid = ANY(${uuidArray(groupPks)})
                  ORDER BY group_uuid FOR KEY SHARE`,
            );
      const roles =
        rolePks.length === 0
          ? []
          : await query<{ pk: string }>(
              db,
              sql`SELECT uuid AS pk FROM roles WHERE uuid = ANY(${uuidArray(rolePks)})
                  ORDER BY uuid FOR KEY SHARE`,
            );
      return { groups: groups.map((row) => row.pk), roles: roles.map((row) => row.pk) };
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
