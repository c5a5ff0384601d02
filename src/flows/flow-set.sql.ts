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
 * A stage's `flow_set` as one JSON array, built in the same statement as the stage row so that
 * a list costs a fixed number of statements (authentik issues one query per stage on the
 * page). One entry per binding, as authentik's many-to-many through the bindings gives.
 */
export function flowSetSql(stageUuid: SQL): SQL {
  return sql`(SELECT coalesce(json_agg(json_build_object(
      'pk', f.flow_uuid,
      'policybindingmodel_ptr_id', f.pbm_uuid,
      'name', f.name,
      'slug', f.slug,
      'title', f.title,
      'designation', f.designation,
      'background', ${backgroundUrlSql('f')},
      'background_url', ${backgroundUrlSql('f')},
      'policy_engine_mode', f.policy_engine_mode,
      'compatibility_mode', f.compatibility_mode,
      'export_url', '/api/v3/flows/instances/' || f.slug || '/export/',
      'layout', f.layout,
      'denied_action', f.denied_action
    ) ORDER BY fb."order", f.slug), '[]'::json)
    FROM flow_stage_bindings fb JOIN flows f ON f.flow_uuid = fb.target
    WHERE fb.stage = ${stageUuid})`;
}
