/**
 * The `tessera` command line, run as a child process (bin/tessera.mjs) against a database of
 * its own: a temporary PGlite folder, or with TESSERA_TEST_DATABASE=postgres a new database on
 * the PostgreSQL server. The test opens that database itself only between commands, since a
 * PGlite folder can be open in one process at a time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, query } from '../../src/db/client.js';
import { maskInvitationToken } from '../../src/events/invitation-token.js';
import { serverSettings, usePostgres } from '../helpers/database.js';
import { ADMIN_TOKEN, TestClient, type TestContext } from '../helpers/test-app.js';
import { createFlow } from '../helpers/factories.js';

const folder = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
const env: Record<string, string> = {
  AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
  AUTHENTIK_LISTEN__HTTP: '127.0.0.1:9000',
  TESSERA_EXTERNAL_URL: 'https://tessera.example',
  AUTHENTIK_LOG_LEVEL: 'error',
};
const admin = async (statement: string) => {
  const client = new pg.Client({ ...serverSettings(), database: 'postgres' });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
};
if (usePostgres) {
  const name = `tessera_cli_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const server = serverSettings();
  Object.assign(env, {
    AUTHENTIK_POSTGRESQL__HOST: server.host,
    AUTHENTIK_POSTGRESQL__PORT: String(server.port),
    AUTHENTIK_POSTGRESQL__USER: server.user,
    AUTHENTIK_POSTGRESQL__PASSWORD: server.password,
    AUTHENTIK_POSTGRESQL__NAME: name,
  });
  after(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
} else {
  env.TESSERA_DATA_DIR = folder;
}
after(() => rmSync(folder, { recursive: true, force: true }));

const BIN = path.resolve('bin/tessera.mjs');

function tessera(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The app on the command's database, open only while `work` runs. */
async function withApp<T>(work: (t: TestContext) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const database = await openDatabase(config.database);
  const app = await buildApp(config, { database, logger: false, schedule: false });
  try {
    return await work({ app, database, config, client: new TestClient(app) });
  } finally {
    await app.close();
    await database.close();
  }
}

const count = (t: TestContext, statement: ReturnType<typeof sql>) =>
  query<{ n: number }>(t.database.db, statement).then((rows) => Number(rows[0].n));

const flow = await withApp((t) => createFlow(t));
const invitationsOfFlow = (t: TestContext) =>
  count(t, sql`SELECT count(*) AS n FROM invitations WHERE flow = ${flow.pk}`);

describe('tessera', () => {
  it('answers --help for the program and every command', () => {
    const commands = [
      [],
      ['serve'],
      ['migrate'],
      ['bootstrap'],
      ['healthcheck'],
      ['invitations'],
      ['invitations', 'create'],
      ['invitations', 'bulk'],
      ['invitations', 'list'],
      ['invitations', 'delete'],
      ['create-recovery-key'],
      ['blueprint', 'apply'],
      ['blueprint', 'export'],
      ['db', 'export'],
    ];
    for (const command of commands) {
      const result = tessera(...command, '--help');
      assert.equal(result.status, 0, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: tessera ${command.join(' ')}`.trim()));
    }
  });

  it('refuses bad arguments with one line and a non-zero status, creating nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['invitations', 'create'], /required option '--flow <slug>'/],
      [['invitations', 'create', '--flow', flow.slug, '--count', '0'], /--count must be a whole number/],
      [
        ['invitations', 'create', '--flow', flow.slug, '--fixed-data', '[1]'],
        /--fixed-data must be a JSON object/,
      ],
      [['invitations', 'create', '--flow', flow.slug, '--expires', 'tomorrow'], /--expires/],
      [
        ['invitations', 'create', '--flow', flow.slug, '--expires', '2001-01-01T00:00:00Z'],
        /not in the future/,
      ],
      [
        ['invitations', 'create', '--flow', 'no-such-flow', '--count', '5'],
        /No flow with slug "no-such-flow"/,
      ],
      [
        ['invitations', 'create', '--flow', flow.slug, '--fixed-data', '{"__proto__": {"x": 1}}'],
        /fixed_data: Key "__proto__" names a prototype/,
      ],
      [['invitations', 'delete'], /give the pks/],
      [['invitations', 'delete', 'not-a-uuid'], /not an invitation pk/],
      [['no-such-command'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const result = tessera(...args);
      assert.notEqual(result.status, 0, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    assert.equal(await withApp(invitationsOfFlow), 0);
  });

  let created: string[][] = [];

  it('creates 2000 invitations in one go, with their audit events and a CSV of links', async () => {
    const csv = path.join(folder, 'links.csv');
    const result = tessera(
      'invitations',
      'create',
      '--flow',
      flow.slug,
      '--count',
      '2000',
      '--max-uses',
      '3',
      '--expires',
      'days=7',
      '--csv',
      csv,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /created 2000 invitations/);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    assert.deepEqual(lines[0], 'pk,link,expires,single_use,max_uses');
    created = lines.slice(1).map((line) => line.split(','));
    assert.equal(created.length, 2000);
    for (const [pk, link, expires, singleUse, maxUses] of created) {
      assert.match(pk, /^[0-9a-f-]{36}$/);
      assert.equal(link, `https://tessera.example/if/flow/${flow.slug}/?itoken=${pk}`);
      assert.ok(Date.parse(expires) > Date.now());
      assert.equal(singleUse, 'false');
      assert.equal(maxUses, '3');
    }
    assert.equal(new Set(created.map(([pk]) => pk)).size, 2000);
    await withApp(async (t) => {
      assert.equal(await invitationsOfFlow(t), 2000);
      const sample = created[1234][0];
      const [row] = await query<any>(
        t.database.db,
        sql`SELECT i.max_uses, u.username FROM invitations i JOIN users u ON u.id = i.created_by
            WHERE i.invite_uuid = ${sample}`,
      );
      assert.deepEqual(row, { max_uses: 3, username: 'akadmin' });
      const events = await query<any>(
        t.database.db,
        sql`SELECT "user", context FROM events WHERE action = 'model_created'
            AND context->'model'->>'model_name' = 'invitation'
            AND context->'model'->>'pk' = ${maskInvitationToken(sample)}`,
      );
      assert.equal(events.length, 1);
      assert.equal(events[0].user.username, 'akadmin');
      assert.equal(
        await count(
          t,
          sql`SELECT count(*) AS n FROM events WHERE action = 'model_created'
              AND context->'model'->>'name' LIKE ${`${flow.slug}-%`}`,
        ),
        2000,
      );
    });
  });

  it('bulk: one invitation per address of a file, all or none, and a CSV of name, email, link', async () => {
    const bulkFlow = await withApp((t) => createFlow(t));
    const ofBulkFlow = (t: TestContext) =>
      count(t, sql`SELECT count(*) AS n FROM invitations WHERE flow = ${bulkFlow.pk}`);
    const bad = path.join(folder, 'bad-emails.txt');
    writeFileSync(bad, 'ann@example.com\nnot an address\n');
    const refused = tessera('invitations', 'bulk', '--flow', bulkFlow.slug, '--emails-file', bad);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /line 2: "not an address"/);
    const both = tessera(
      'invitations',
      'bulk',
      '--flow',
      bulkFlow.slug,
      '--emails-file',
      bad,
      '--count',
      '2',
    );
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /either --count or --emails-file/);
    assert.equal(await withApp(ofBulkFlow), 0);

    const emails = path.join(folder, 'emails.txt');
    // An address may start with `=`: the CSV must not hand it to a spreadsheet as a formula.
    writeFileSync(emails, '# guests\nann@example.com\n\n=bob@example.com\n');
    const csv = path.join(folder, 'bulk.csv');
    const result = tessera(
      'invitations',
      'bulk',
      '--flow',
      bulkFlow.slug,
      '--emails-file',
      emails,
      '--name',
      'guest',
      '--single-use',
      '--csv',
      csv,
    );
    assert.equal(result.status, 0, result.stderr);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines[0], 'name,email,link');
    const rows = lines.slice(1).map((line) => line.split(','));
    assert.deepEqual(
      rows.map(([name, email]) => [name, email]),
      [
        ['guest-1', 'ann@example.com'],
        ['guest-2', "'=bob@example.com"],
      ],
    );
    await withApp(async (t) => {
      assert.equal(await ofBulkFlow(t), 2);
      const addresses = ['ann@example.com', '=bob@example.com'];
      for (const [index, [name, , link]] of rows.entries()) {
        const pk = link.split('itoken=')[1];
        assert.equal(link, `https://tessera.example/if/flow/${bulkFlow.slug}/?itoken=${pk}`);
        const [row] = await query<any>(
          t.database.db,
          sql`SELECT name, single_use, email FROM invitations WHERE invite_uuid = ${pk}`,
        );
        // Each invitation is bound to its address, as the API's bulk does.
        assert.deepEqual(row, { name, single_use: true, email: addresses[index] });
      }
    });
    // --send-email queues one message per address, in the transaction that creates them.
    const sent = tessera(
      'invitations',
      'bulk',
      '--flow',
      bulkFlow.slug,
      '--emails-file',
      emails,
      '--name',
      'mailed',
      '--send-email',
    );
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stderr, /queued 2 emails/);
    await withApp(async (t) => {
      const queued = await query<{ to: string }>(
        t.database.db,
        sql`SELECT o.payload ->> 'to' AS to FROM outbox o JOIN invitations i ON i.invite_uuid = o.target
            WHERE o.kind = 'email' AND i.name LIKE 'mailed-%' ORDER BY i.name`,
      );
      assert.deepEqual(
        queued.map((row) => row.to),
        ['ann@example.com', '=bob@example.com'],
      );
    });
    const counted = tessera('invitations', 'bulk', '--flow', bulkFlow.slug, '--count', '3', '--name', 'many');
    assert.equal(counted.status, 0, counted.stderr);
    assert.equal(counted.stdout.trim().split('\n').length, 3);
    assert.equal(await withApp(ofBulkFlow), 7);
  });

  it('lists invitations as a table and as JSON', () => {
    const table = tessera('invitations', 'list', '--flow', flow.slug);
    assert.equal(table.status, 0, table.stderr);
    const rows = table.stdout.trimEnd().split('\n');
    assert.match(rows[0], /^pk\s+name\s+flow\s+expires\s+single_use\s+max_uses\s+uses$/);
    assert.equal(rows.length, 2001);
    const json = tessera('invitations', 'list', '--flow', flow.slug, '--json');
    assert.equal(json.status, 0, json.stderr);
    const listed = JSON.parse(json.stdout);
    assert.equal(listed.length, 2000);
    assert.equal(listed[0].flow, flow.pk);
    assert.equal(listed[0].max_uses, 3);
  });

  it('deletes by pk (all or none) and every expired invitation', async () => {
    const [first, second] = created.map(([pk]) => pk);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const refused = tessera('invitations', 'delete', first, unknown);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(`No invitation ${unknown}`));
    const deleted = tessera('invitations', 'delete', first, second);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted 2 invitations/);
    const third = created[2][0];
    await withApp(async (t) => {
      assert.equal(await invitationsOfFlow(t), 1998);
      await t.database.db.execute(
        sql`UPDATE invitations SET expires = now() - interval '1 minute' WHERE invite_uuid = ${third}`,
      );
    });
    const expired = tessera('invitations', 'delete', '--expired');
    assert.equal(expired.status, 0, expired.stderr);
    assert.match(expired.stdout, /deleted 1 invitation$/m);
    await withApp(async (t) => {
      assert.equal(await invitationsOfFlow(t), 1997);
      assert.equal(
        await count(
          t,
          sql`SELECT count(*) AS n FROM events WHERE action = 'model_deleted'
              AND context->'model'->>'pk' = ${maskInvitationToken(third)}`,
        ),
        1,
      );
    });
  });

  it('creates a recovery link that signs the user in once', async () => {
    const result = tessera('create-recovery-key', 'akadmin', '--duration', '10');
    assert.equal(result.status, 0, result.stderr);
    const link = result.stdout.trim();
    const match = /^https:\/\/tessera\.example(\/recovery\/use-token\/[A-Za-z0-9_-]+\/)$/.exec(link);
    assert.ok(match, link);
    const url = match[1];
    await withApp(async (t) => {
      const used = await t.app.inject({ method: 'GET', url });
      assert.equal(used.statusCode, 302);
      assert.equal(used.headers.location, '/if/admin/');
      const session = (used.cookies as { name: string; value: string }[]).find(
        (cookie) => cookie.name === 'authentik_session',
      );
      assert.ok(session, 'a session cookie');
      const listed = await t.app.inject({
        method: 'GET',
        url: '/api/v3/stages/invitation/invitations/?page_size=1',
        headers: { cookie: `authentik_session=${session.value}` },
      });
      assert.equal(listed.statusCode, 200, listed.body);
      const [login] = await query<any>(
        t.database.db,
        sql`SELECT "user", context FROM events WHERE action = 'login' ORDER BY created DESC LIMIT 1`,
      );
      assert.equal(login.user.username, 'akadmin');
      assert.ok(!JSON.stringify(login).includes(url.split('/')[3]), 'the key is not in the event');
      const again = await t.app.inject({ method: 'GET', url });
      assert.equal(again.statusCode, 404, 'a recovery link works once');
    });
    const unknownUser = tessera('create-recovery-key', 'nobody');
    assert.notEqual(unknownUser.status, 0);
    assert.match(unknownUser.stderr, /no user "nobody"/);
  });

  it('says so when the server holds the embedded database', { skip: usePostgres }, async () => {
    await withApp(async () => {
      const result = tessera('invitations', 'list');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /in use by another Tessera process .*stop the server/);
    });
  });

  it('exports the embedded database as SQL for psql, and refuses on PostgreSQL', async () => {
    const dump = path.join(folder, 'export.sql');
    const result = tessera('db', 'export', dump);
    if (usePostgres) {
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /use pg_dump/);
      return;
    }
    assert.equal(result.status, 0, result.stderr);
    const text = readFileSync(dump, 'utf8');
    assert.match(text, /CREATE TABLE public\.invitations/);
    assert.match(text, /akadmin/);
  });
});
