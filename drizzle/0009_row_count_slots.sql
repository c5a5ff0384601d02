-- Counter slots replace the delta rows of 0002/0003 (issue #5). Every write to a counted table
-- appended a delta row, and every 64th folded the deltas: the live rows stayed few, but each
-- fold left its deltas behind as dead rows until VACUUM. PGlite never vacuums, and a server
-- whose autovacuum is off or behind does not either, so the table grew with every write ever
-- counted, and every list's count read all of it: after 136k counted writes, 508 pages, and
-- the seed list's statement took 2.3 ms instead of 0.1.
--
-- A slot is updated in place instead. No indexed column changes, so the update is HOT and
-- PostgreSQL prunes the versions no snapshot needs as it reads the page: the table stays a
-- page or two without VACUUM. The low fillfactor keeps room on the page for those versions.
-- A writer takes the first slot of its table that no other transaction holds (SKIP LOCKED),
-- so concurrent writers never wait on each other; when every slot is held it adds one, so a
-- table has as many slots as it ever had concurrent writers.
CREATE TABLE "row_count_slots" (
	"table_name" text NOT NULL,
	"slot" integer NOT NULL,
	"rows" bigint NOT NULL,
	CONSTRAINT "row_count_slots_table_name_slot_pk" PRIMARY KEY("table_name","slot")
) WITH (fillfactor = 20);
--> statement-breakpoint
INSERT INTO row_count_slots (table_name, slot, rows)
  SELECT table_name, 0, sum(delta) FROM row_counts GROUP BY table_name;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION row_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- TRUNCATE waited for every transaction writing the table, so no slot of it is held.
    DELETE FROM row_count_slots WHERE table_name = TG_TABLE_NAME;
    INSERT INTO row_count_slots (table_name, slot, rows) VALUES (TG_TABLE_NAME, 0, 0);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO changed FROM new_rows;
  ELSE
    SELECT -count(*) INTO changed FROM old_rows;
  END IF;
  IF changed = 0 THEN
    RETURN NULL;
  END IF;
  -- A slot this transaction already holds is not skipped: it keeps adding to that one.
  UPDATE row_count_slots SET rows = rows + changed
    WHERE table_name = TG_TABLE_NAME
      AND slot = (SELECT slot FROM row_count_slots WHERE table_name = TG_TABLE_NAME
                  LIMIT 1 FOR UPDATE SKIP LOCKED);
  IF NOT FOUND THEN
    -- Every slot is held by another writer: a new one, at a random number so that two
    -- writers adding one at once do not pick the same.
    INSERT INTO row_count_slots (table_name, slot, rows)
      VALUES (TG_TABLE_NAME, 1 + floor(random() * 2147483646)::integer, changed)
      ON CONFLICT (table_name, slot) DO UPDATE SET rows = row_count_slots.rows + excluded.rows;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP FUNCTION row_counts_fold(text);
--> statement-breakpoint
DROP TABLE "row_counts";
