-- Render a timestamptz the way DRF's DateTimeField does (datetime.isoformat() in UTC, with
-- "+00:00" replaced by "Z", microseconds only when non-zero), so SQL can emit wire-ready text.
CREATE OR REPLACE FUNCTION drf_datetime(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t IS NULL THEN NULL
    WHEN date_part('microseconds', t)::bigint % 1000000 = 0
      THEN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    ELSE to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  END
$$;
