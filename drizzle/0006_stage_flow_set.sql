ALTER TABLE "stages" ADD COLUMN "flow_set" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Every stage serializer carries `flow_set`, the flows the stage is bound to (authentik builds
-- it with one extra query per stage on a page). Building those JSON objects per row was most
-- of the database time of a stage list (issue #5), so each stage keeps its flow_set as compact
-- JSON text, rebuilt by the triggers below whenever a binding or a bound flow changes.
-- The keys and their order are FlowSet's (src/flows/flow.schema.ts); the background default is
-- DEFAULT_FLOW_BACKGROUND (src/flows/flow-set.sql.ts). One entry per binding, ordered by the
-- binding's order then the flow's slug.
CREATE OR REPLACE FUNCTION stage_flow_set_json(stage_id uuid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce('[' || string_agg(
      '{"pk":' || to_json(f.flow_uuid)::text
      || ',"policybindingmodel_ptr_id":' || to_json(f.pbm_uuid)::text
      || ',"name":' || to_json(f.name)::text
      || ',"slug":' || to_json(f.slug)::text
      || ',"title":' || to_json(f.title)::text
      || ',"designation":' || to_json(f.designation)::text
      || ',"background":' || to_json(b.url)::text
      || ',"background_url":' || to_json(b.url)::text
      || ',"policy_engine_mode":' || to_json(f.policy_engine_mode)::text
      || ',"compatibility_mode":' || to_json(f.compatibility_mode)::text
      || ',"export_url":' || to_json('/api/v3/flows/instances/' || f.slug || '/export/')::text
      || ',"layout":' || to_json(f.layout)::text
      || ',"denied_action":' || to_json(f.denied_action)::text
      || '}',
      ',' ORDER BY fb."order", f.slug) || ']', '[]')
  FROM flow_stage_bindings fb
    JOIN flows f ON f.flow_uuid = fb.target
    CROSS JOIN LATERAL (SELECT CASE WHEN f.background = ''
      THEN '/static/dist/assets/images/flow_background.jpg' ELSE f.background END AS url) b
  WHERE fb.stage = stage_id
$$;
--> statement-breakpoint
-- Rebuilds the flow_set of the given stages. The rows are locked first and rebuilt by a later
-- statement: under READ COMMITTED that statement's snapshot includes whatever a concurrent
-- writer of the same stage committed while we waited, so two transactions binding flows to
-- one stage cannot leave it with only one of them. NO KEY UPDATE does not conflict with the
-- KEY SHARE locks foreign-key checks take, so binding inserts do not deadlock on it.
CREATE OR REPLACE FUNCTION stage_flow_set_refresh(stage_ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM stages WHERE stage_uuid = ANY(stage_ids) ORDER BY stage_uuid FOR NO KEY UPDATE;
  UPDATE stages SET flow_set = fresh.json
  FROM (SELECT stage_uuid, stage_flow_set_json(stage_uuid) AS json FROM stages
        WHERE stage_uuid = ANY(stage_ids)) fresh
  WHERE stages.stage_uuid = fresh.stage_uuid AND stages.flow_set IS DISTINCT FROM fresh.json;
END
$$;
--> statement-breakpoint
-- Binding changes. A new or retargeted binding first takes a SHARE lock on its flows, which
-- waits for a concurrent update of those flows to commit (and makes such an update wait for
-- us), so the rebuilt JSON never carries a flow's old fields after the flow trigger has run.
CREATE OR REPLACE FUNCTION stage_flow_set_bindings_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  affected uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM flows WHERE flow_uuid IN (SELECT target FROM new_rows) ORDER BY flow_uuid FOR SHARE;
    SELECT array_agg(DISTINCT stage) INTO affected FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM 1 FROM flows WHERE flow_uuid IN (SELECT target FROM new_rows) ORDER BY flow_uuid FOR SHARE;
    SELECT array_agg(DISTINCT stage) INTO affected
    FROM (SELECT stage FROM new_rows UNION SELECT stage FROM old_rows) changed;
  ELSE
    SELECT array_agg(DISTINCT stage) INTO affected FROM old_rows;
  END IF;
  IF affected IS NOT NULL THEN
    PERFORM stage_flow_set_refresh(affected);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER flow_stage_bindings_flow_set_insert AFTER INSERT ON flow_stage_bindings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_flow_set_bindings_changed();
--> statement-breakpoint
CREATE TRIGGER flow_stage_bindings_flow_set_update AFTER UPDATE ON flow_stage_bindings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stage_flow_set_bindings_changed();
--> statement-breakpoint
CREATE TRIGGER flow_stage_bindings_flow_set_delete AFTER DELETE ON flow_stage_bindings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_flow_set_bindings_changed();
--> statement-breakpoint
-- A bound flow's fields changed (a deleted flow's bindings go by cascade, through the trigger
-- above). The stages are found by a statement that starts after the UPDATE got its row locks,
-- so it sees bindings that a concurrent transaction committed meanwhile.
CREATE OR REPLACE FUNCTION stage_flow_set_flows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  affected uuid[];
BEGIN
  SELECT array_agg(DISTINCT fb.stage) INTO affected
  FROM flow_stage_bindings fb JOIN new_rows n ON n.flow_uuid = fb.target;
  IF affected IS NOT NULL THEN
    PERFORM stage_flow_set_refresh(affected);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER flows_flow_set_update AFTER UPDATE ON flows
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_flow_set_flows_changed();
--> statement-breakpoint
UPDATE stages SET flow_set = stage_flow_set_json(stage_uuid)
WHERE EXISTS (SELECT 1 FROM flow_stage_bindings fb WHERE fb.stage = stages.stage_uuid);
