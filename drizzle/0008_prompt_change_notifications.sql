-- The prompt stage keeps each stage's fields in memory as the executor keeps flows (topic
-- 'flows', see 0007): a prompt's edit or removal, or a change to which prompts a stage shows,
-- notifies. A new prompt reaches no stage until it is linked, which notifies.
CREATE TRIGGER prompts_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON prompts
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER prompt_stage_fields_notify_flows AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prompt_stage_fields
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
