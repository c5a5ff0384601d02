-- Exact row counts for the tables whose lists must stay fast at millions of rows (issue #5):
-- statement-level triggers with transition tables append one delta per statement to
-- row_counts; every 64th delta (by id) folds its table's deltas into one row, so a count is a
-- sum over a few dozen rows. Folding deletes and inserts in one statement, so a reader's
-- snapshot sees either the deltas or their sum, never both; it skips rows another fold holds
-- (SKIP LOCKED), so writers never wait on each other. TRUNCATE resets the count.
CREATE OR REPLACE FUNCTION row_counts_fold(t text) RETURNS void
LANGUAGE sql AS $$
  WITH gone AS (
    DELETE FROM row_counts WHERE id IN (
      SELECT id FROM row_counts WHERE table_name = t FOR UPDATE SKIP LOCKED)
    RETURNING delta)
  INSERT INTO row_counts (table_name, delta) SELECT t, sum(delta) FROM gone HAVING count(*) > 0;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION row_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
  appended bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM row_counts WHERE table_name = TG_TABLE_NAME;
    INSERT INTO row_counts (table_name, delta) VALUES (TG_TABLE_NAME, 0);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO changed FROM new_rows;
  ELSE
    SELECT -count(*) INTO changed FROM old_rows;
  END IF;
  IF changed <> 0 THEN
    INSERT INTO row_counts (table_name, delta) VALUES (TG_TABLE_NAME, changed) RETURNING id INTO appended;
    IF appended % 64 = 0 THEN
      PERFORM row_counts_fold(TG_TABLE_NAME);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invitations_count_insert AFTER INSERT ON invitations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER invitations_count_delete AFTER DELETE ON invitations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER invitations_count_truncate AFTER TRUNCATE ON invitations
  FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER events_count_insert AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER events_count_delete AFTER DELETE ON events
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER events_count_truncate AFTER TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER invitation_stages_count_insert AFTER INSERT ON invitation_stages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER invitation_stages_count_delete AFTER DELETE ON invitation_stages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
CREATE TRIGGER invitation_stages_count_truncate AFTER TRUNCATE ON invitation_stages
  FOR EACH STATEMENT EXECUTE FUNCTION row_counts_track();
--> statement-breakpoint
INSERT INTO row_counts (table_name, delta)
  SELECT 'invitations', count(*) FROM invitations
  UNION ALL SELECT 'events', count(*) FROM events
  UNION ALL SELECT 'invitation_stages', count(*) FROM invitation_stages;
