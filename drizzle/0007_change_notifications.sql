-- Change notifications for in-process caches (src/db/change-feed.ts): every transaction that
-- changes what a topic covers sends NOTIFY tessera_changes '<topic>', delivered at commit to
-- every listening instance (identical notifications of one transaction are sent once).
-- Only changes that can alter a cached answer notify: a new token or user cannot change the
-- answer for a key already looked up, and a user's last_login is not part of it.
CREATE OR REPLACE FUNCTION tessera_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tessera_changes', TG_ARGV[0]);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- auth: who an API token or a session authenticates (src/api/authentication.ts).
CREATE TRIGGER tokens_notify_auth AFTER UPDATE OR DELETE OR TRUNCATE ON tokens
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
CREATE TRIGGER users_notify_auth_update AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.username IS DISTINCT FROM NEW.username
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
        OR OLD.uuid IS DISTINCT FROM NEW.uuid)
  EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
CREATE TRIGGER users_notify_auth_delete AFTER DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
CREATE TRIGGER groups_notify_auth AFTER UPDATE OR DELETE OR TRUNCATE ON groups
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
CREATE TRIGGER user_groups_notify_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_groups
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
CREATE TRIGGER group_parents_notify_auth AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON group_parents
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('auth');
--> statement-breakpoint
-- flows: what a flow plan is made of (src/flows/executor/executor.service.ts).
CREATE TRIGGER flows_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON flows
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER flow_stage_bindings_notify_flows AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flow_stage_bindings
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER user_write_stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON user_write_stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER user_login_stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON user_login_stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
