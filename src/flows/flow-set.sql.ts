import { sql, type SQL } from 'drizzle-orm';

/** authentik's default flow background when none is configured. */
export const DEFAULT_FLOW_BACKGROUND = '/static/dist/assets/images/flow_background.jpg';

/** `Flow.background_url`: the default image when unset, the stored value otherwise. */
export function backgroundUrlSql(flow: string): SQL {
  return sql.raw(
    `CASE WHEN ${flow}.background = '' THEN '${DEFAULT_FLOW_BACKGROUND}' ELSE ${flow}.background END`,
  );
}

/**
 * A stage's `flow_set`: the JSON array its row keeps current (`stages.flow_set`, rebuilt by the
 * triggers of migration 0006 whenever a binding or a bound flow changes). Reading it costs a
 * column, where building it cost a join and thirteen JSON fields per bound flow per row;
 * authentik issues one query per stage on the page for it.
 *
 * @param stages the alias of the `stages` row in the statement
 */
export function flowSetSql(stages: string): SQL {
  return sql.raw(`${stages}.flow_set::json`);
}
