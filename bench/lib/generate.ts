/**
 * The data generator: fills a migrated Tessera database with set-based SQL
 * (INSERT ... SELECT generate_series), so 100k rows take well under a second and 10M events a
 * couple of minutes. It runs the same statements on PostgreSQL and on PGlite.
 *
 * Rows are tagged (`bench-` names and slugs) so the generator can add to a table in steps
 * (10k, 100k, 1M invitations) and the cases can find what it made.
 */

/** The little the generator needs from a connection: run a statement, read rows. */
export interface SqlRunner {
  exec(text: string): Promise<void>;
  rows<T>(text: string): Promise<T[]>;
}

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel',
  'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa',
]; // prettier-ignore
const words = `(ARRAY[${WORDS.map((w) => `'${w}'`).join(',')}])`;

/** One invitation name in a thousand contains "welcome": the selective search term. */
export const INVITATION_SEARCH_TERM = 'welcome';
/** One stage name in sixteen contains a given word. */
export const STAGE_SEARCH_TERM = 'kilo';
export const ENROLLMENT_FLOW_SLUG = 'bench-enrollment';
export const BENCH_PASSWORD = 'Bench-pass-2026!';

export async function count(runner: SqlRunner, table: string, where = 'true'): Promise<number> {
  const [row] = await runner.rows<{ n: string | number }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
  );
  return Number(row.n);
}

/**
 * Bulk loads are faster without secondary indexes (one sorted build instead of random
 * insertions): drop the table's indexes and primary key, load, recreate them from their
 * definitions. Only for large steps; small ones insert into the live indexes.
 */
async function withoutIndexes(
  runner: SqlRunner,
  table: string,
  rows: number,
  load: () => Promise<void>,
): Promise<void> {
  if (rows < 200_000) return load();
  const constraints = await runner.rows<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = '${table}'::regclass AND contype IN ('p', 'u')`,
  );
  const indexes = await runner.rows<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = '${table}'
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = '${table}'::regclass)`,
  );
  for (const index of indexes) await runner.exec(`DROP INDEX ${index.name}`);
  for (const constraint of constraints)
    await runner.exec(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint.name}`);
  await load();
  for (const constraint of constraints) {
    await runner.exec(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint.name} ${constraint.def}`);
  }
  for (const index of indexes) await runner.exec(index.def);
}

export interface BaseSizes {
  stages: number;
  flows: number;
  users: number;
}

/**
 * Flows, invitation stages (half of them bound to one to three flows), users, and an
 * enrollment flow (invitation, prompt, user_write and user_login stages) for the executor
 * cases. Idempotent only on an empty database: the suite recreates the database first.
 */
export async function generateBase(runner: SqlRunner, sizes: BaseSizes): Promise<void> {
  await runner.exec(
    `INSERT INTO flows (name, slug, title, designation)
     SELECT 'Bench flow ' || g, 'bench-flow-' || lpad(g::text, 6, '0'), 'Welcome to bench flow ' || g,
            (ARRAY['enrollment', 'authentication', 'recovery'])[1 + g % 3]
     FROM generate_series(1, ${sizes.flows}) g`,
  );
  await runner.exec(
    `INSERT INTO stages (name, type)
     SELECT 'bench-' || ${words}[1 + g % 16] || '-' || lpad(g::text, 7, '0'), 'invitation'
     FROM generate_series(1, ${sizes.stages}) g`,
  );
  await runner.exec(
    `INSERT INTO invitation_stages (stage_uuid, continue_flow_without_invitation)
     SELECT stage_uuid, right(name, 1)::int % 2 = 0 FROM stages
     WHERE type = 'invitation' AND name LIKE 'bench-%'`,
  );
  // Every second stage is bound to 1, 2 or 3 distinct flows.
  await runner.exec(
    `WITH s AS (SELECT stage_uuid, row_number() OVER (ORDER BY name) AS rn FROM stages
                WHERE type = 'invitation' AND name LIKE 'bench-%'),
          f AS (SELECT flow_uuid, row_number() OVER (ORDER BY slug) - 1 AS fn FROM flows
                WHERE slug LIKE 'bench-flow-%')
     INSERT INTO flow_stage_bindings (target, stage, "order")
     SELECT f.flow_uuid, s.stage_uuid, j * 10
     FROM s CROSS JOIN generate_series(1, 3) j JOIN f ON f.fn = (s.rn * 7 + j * 13) % ${sizes.flows}
     WHERE s.rn % 2 = 0 AND j <= 1 + s.rn % 3`,
  );
  await runner.exec(
    `INSERT INTO users (username, name, email, password, path, type)
     SELECT 'bench-user-' || g, 'Bench User ' || g, 'bench-user-' || g || '@example.com', NULL, 'users', 'internal'
     FROM generate_series(1, ${sizes.users}) g`,
  );
  await generateEnrollmentFlow(runner);
  await runner.exec('VACUUM ANALYZE');
}

/** authentik's default enrollment blueprint, reduced: invitation, prompt, user_write, user_login. */
async function generateEnrollmentFlow(runner: SqlRunner): Promise<void> {
  await runner.exec(
    `WITH flow AS (
       INSERT INTO flows (name, slug, title, designation)
       VALUES ('Bench enrollment', '${ENROLLMENT_FLOW_SLUG}', 'Welcome', 'enrollment') RETURNING flow_uuid),
     st AS (
       INSERT INTO stages (name, type) VALUES
         ('bench-enrollment-invitation', 'invitation'), ('bench-enrollment-prompt', 'prompt'),
         ('bench-enrollment-write', 'user_write'), ('bench-enrollment-login', 'user_login')
       RETURNING stage_uuid, name, type),
     inv AS (INSERT INTO invitation_stages (stage_uuid, continue_flow_without_invitation)
             SELECT stage_uuid, false FROM st WHERE type = 'invitation'),
     pr AS (INSERT INTO prompt_stages (stage_uuid) SELECT stage_uuid FROM st WHERE type = 'prompt'),
     uw AS (INSERT INTO user_write_stages (stage_uuid, user_creation_mode, user_type)
            SELECT stage_uuid, 'always_create', 'external' FROM st WHERE type = 'user_write'),
     ul AS (INSERT INTO user_login_stages (stage_uuid) SELECT stage_uuid FROM st WHERE type = 'user_login'),
     fields AS (
       INSERT INTO prompts (name, field_key, label, type, required, "order") VALUES
         ('bench-field-username', 'username', 'Username', 'username', true, 0),
         ('bench-field-name', 'name', 'Name', 'text', true, 1),
         ('bench-field-email', 'email', 'Email', 'email', true, 2),
         ('bench-field-password', 'password', 'Password', 'password', true, 3),
         ('bench-field-password-repeat', 'password_repeat', 'Password (repeat)', 'password', true, 4)
       RETURNING prompt_uuid),
     psf AS (INSERT INTO prompt_stage_fields (stage_uuid, prompt_uuid)
             SELECT st.stage_uuid, fields.prompt_uuid FROM st, fields WHERE st.type = 'prompt')
     INSERT INTO flow_stage_bindings (target, stage, "order")
     SELECT flow.flow_uuid, st.stage_uuid,
            CASE st.type WHEN 'invitation' THEN 10 WHEN 'prompt' THEN 20 WHEN 'user_write' THEN 30 ELSE 40 END
     FROM flow, st`,
  );
}

/**
 * Adds invitations until there are `to` bench invitations (from `from`). None has expired (1
 * to 91 days left, or not expiring), so the periodic cleanup never shrinks the table mid-run.
 */
export async function generateInvitations(runner: SqlRunner, from: number, to: number): Promise<void> {
  if (to <= from) return;
  const [range] = await runner.rows<{ lo: number; n: string | number }>(
    `SELECT min(id) AS lo, count(*) AS n FROM users WHERE username LIKE 'bench-user-%'`,
  );
  const userCount = Number(range.n);
  await withoutIndexes(runner, 'invitations', to - from, () =>
    runner.exec(
      `WITH f AS (SELECT array_agg(flow_uuid ORDER BY slug) AS ids FROM flows
                  WHERE slug LIKE 'bench-flow-%' AND designation = 'enrollment')
       INSERT INTO invitations (name, expires, expiring, flow, single_use, created_by, fixed_data, created)
       SELECT CASE WHEN g % 1000 = 7 THEN 'Welcome party ' || g
                   ELSE 'Invitation ' || ${words}[(1 + g % 16)::int] || ' ' || ${words}[(1 + (g / 16) % 16)::int] || ' ' || g END,
              CASE WHEN g % 10 = 0 THEN NULL ELSE now() + make_interval(secs => 86400 + (g * 7919) % 7776000) END,
              g % 10 <> 0,
              CASE WHEN g % 10 = 3 THEN NULL ELSE f.ids[(1 + g % cardinality(f.ids))::int] END,
              g % 3 = 0,
              ${range.lo} + (g * 31) % ${userCount},
              CASE WHEN g % 4 = 0 THEN jsonb_build_object('email', 'invitee-' || g || '@example.com') ELSE '{}'::jsonb END,
              now() - make_interval(secs => g)
       FROM f, generate_series(${from + 1}::bigint, ${to}::bigint) g`,
    ),
  );
  await runner.exec('VACUUM ANALYZE invitations');
}

const ACTIONS = [
  'model_created', 'model_updated', 'model_deleted', 'login', 'logout',
  'invitation_used', 'secret_view', 'update_available',
]; // prettier-ignore

/** Adds events until there are `to` bench events (from `from`), in chunks of a million. */
export async function generateEvents(
  runner: SqlRunner,
  from: number,
  to: number,
  users: number,
  progress: (done: number) => void = () => undefined,
): Promise<void> {
  if (to <= from) return;
  const actions = `(ARRAY[${ACTIONS.map((a) => `'${a}'`).join(',')}])`;
  await withoutIndexes(runner, 'events', to - from, async () => {
    for (let start = from; start < to; start += 1_000_000) {
      const end = Math.min(to, start + 1_000_000);
      await runner.exec(
        `INSERT INTO events (event_uuid, "user", action, app, context, client_ip, created, expires)
         SELECT gen_random_uuid(),
                jsonb_build_object('pk', u, 'email', 'bench-user-' || u || '@example.com', 'username', 'bench-user-' || u),
                ${actions}[(1 + g % ${ACTIONS.length})::int], 'authentik.events.middleware',
                jsonb_build_object('model', jsonb_build_object('pk', md5(g::text), 'app', 'authentik_stages_invitation',
                                   'name', 'Invitation ' || g, 'model_name', 'invitation'),
                                   'http_request', jsonb_build_object('path', '/api/v3/stages/invitation/invitations/',
                                   'method', 'POST', 'args', '{}'::jsonb, 'user_agent', 'bench', 'request_id', md5(u::text))),
                '127.0.0.1', t, t + interval '365 days'
         FROM generate_series(${start + 1}::bigint, ${end}::bigint) g,
              LATERAL (SELECT 1 + (g * 7919) % ${users} AS u, now() - make_interval(secs => g) AS t) x`,
      );
      progress(end);
    }
  });
  // VACUUM, not only ANALYZE: otherwise the insert-triggered autovacuum of millions of new rows
  // runs during the cases measured next and takes their CPU.
  await runner.exec('VACUUM ANALYZE events');
}
