import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, orderTerm, type ListSql } from '../../db/list-query.js';
import type { OrderTerm } from '../../api/ordering.js';
import type { InvitationStageConsumptionBody, InvitationUseBody } from './invitation-extensions.schema.js';

export const USE_ORDER_FIELDS = ['pk', 'user', 'username', 'client_ip', 'used'] as const;
export type UseOrderField = (typeof USE_ORDER_FIELDS)[number];

const USE_COLUMNS: Record<UseOrderField, SQL> = {
  pk: sql`u.id`,
  user: sql`u.user_id`,
  username: sql`u.username`,
  client_ip: sql`u.client_ip`,
  used: sql`u.used`,
};

function usesSql(inviteUuid: string, ordering: OrderTerm<UseOrderField>[]): ListSql {
  return {
    select: sql`u.id::int AS pk, u.user_id AS "user", u.username, u.client_ip, drf_datetime(u.used) AS used`,
    from: sql`invitation_uses u`,
    where: [sql`u.invitation_uuid = ${inviteUuid}`],
    orderBy: [...ordering.map((t) => orderTerm(USE_COLUMNS[t.field], t.descending)), sql`u.id`],
  };
}

export function createInvitationExtensionsRepository(db: Db) {
  return {
    async consumption(stagePk: string): Promise<InvitationStageConsumptionBody | undefined> {
      const rows = await query<InvitationStageConsumptionBody>(
        db,
        sql`SELECT single_use_consumption, lease_seconds FROM invitation_stages WHERE stage_uuid = ${stagePk}`,
      );
      return rows[0];
    },

    async setConsumption(stagePk: string, values: Partial<InvitationStageConsumptionBody>): Promise<void> {
      const sets: SQL[] = [];
      if (values.single_use_consumption !== undefined) {
        sets.push(sql`single_use_consumption = ${values.single_use_consumption}`);
      }
      if (values.lease_seconds !== undefined) sets.push(sql`lease_seconds = ${values.lease_seconds}`);
      if (sets.length === 0) return;
      await db.execute(
        sql`UPDATE invitation_stages SET ${sql.join(sets, sql`, `)} WHERE stage_uuid = ${stagePk}`,
      );
    },

    async invitationExists(inviteUuid: string): Promise<boolean> {
      const rows = await query(db, sql`SELECT 1 FROM invitations WHERE invite_uuid = ${inviteUuid}`);
      return rows.length > 0;
    },

    async hasUses(inviteUuid: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`SELECT 1 FROM invitation_uses WHERE invitation_uuid = ${inviteUuid} LIMIT 1`,
      );
      return rows.length > 0;
    },

    usesPage: (inviteUuid: string, ordering: OrderTerm<UseOrderField>[], limit: number, offset: number) =>
      fetchPage<InvitationUseBody>(db, usesSql(inviteUuid, ordering), limit, offset),
    usesCount: (inviteUuid: string) => countRows(db, usesSql(inviteUuid, [])),
  };
}
