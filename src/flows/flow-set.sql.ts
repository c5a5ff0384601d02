import { sql, type SQL } from 'drizzle-orm';
import { RawJson } from '../api/serialization.js';
import type { FlowSetItem } from './flow.schema.js';

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
 * Selected as text: wrap it with `storedFlowSet()` and the response writer copies it in as it
 * is, without parsing and re-encoding it.
 *
 * @param stages the alias of the `stages` row in the statement
 */
export function flowSetSql(stages: string): SQL {
  return sql.raw(`${stages}.flow_set`);
}

/** The same, as a `json` value, for statements that build their JSON in SQL. */
export function flowSetJsonSql(stages: string): SQL {
  return sql.raw(`${stages}.flow_set::json`);
}

/**
 * The stored `flow_set` text as a response value (see flowSetSql). It is typed as the array it
 * encodes because it only ever travels from a presenter to the response writer, which copies
 * the text; JSON.stringify (logs, tests) decodes it through RawJson.toJSON.
 */
export function storedFlowSet(text: string): FlowSetItem[] {
  return new RawJson(text) as unknown as FlowSetItem[];
}
