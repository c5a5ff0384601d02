/**
 * Schema-driven fuzzing of every operation in openapi.yml (issue 13, "your own attacker in CI"):
 * malformed and wrong-typed bodies, deep nesting, hostile strings and bytes, hostile headers,
 * path parameters and query strings, as a superuser, an unprivileged user, anonymously and with
 * forged credentials. Each answer must be below 500, an error must be JSON in the declared shape,
 * Object.prototype must stay clean, and a 4xx must leave every table as it was.
 *
 * `npm test` runs a fixed seed with a small budget; `npm run fuzz` (FUZZ_RUNS=100000) runs a
 * random seed, printed so that `FUZZ_SEED=<seed> FUZZ_RUNS=<n>` reproduces a failure.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { query } from '../../src/db/client.js';
import { buildTestApp } from '../helpers/test-app.js';
import {
  bindStage,
  createFlow,
  createGroup,
  createInvitationStage,
  createRole,
  createUser,
  createUserWithToken,
  unique,
} from '../helpers/factories.js';
import { operations } from '../helpers/fuzz/spec.js';
import { describeRequest, requestFor, type Credentials, type FuzzRequest } from '../helpers/fuzz/requests.js';
import type { Fixtures } from '../helpers/fuzz/values.js';
import { changedTables, problemsOf, prototypeGained, stateDigest } from '../helpers/fuzz/oracle.js';
import { rawRequest, sendRaw } from '../helpers/fuzz/raw.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 330);
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? Date.now() % 2 ** 31 : 1313));
const OPERATIONS = operations();
const PER_OPERATION = Math.max(2, Math.ceil(RUNS / OPERATIONS.length));
const SOCKET_RUNS = Math.max(40, Math.ceil(RUNS / 8));

const t = await buildTestApp({ AUTHENTIK_EMAIL__HOST: '127.0.0.1', AUTHENTIK_EMAIL__PORT: '9' });
const { db } = t.database;

/** Objects for path parameters and references to point at, so requests reach the rules. */
async function createFixtures(): Promise<Fixtures> {
  const flows = [await createFlow(t), await createFlow(t, { designation: 'authentication' })];
  const invitationStages = [await createInvitationStage(t), await createInvitationStage(t)];
  const bindings = [await bindStage(t, flows[0].pk, invitationStages[0].pk)];
  const users = [await createUser(t), await createUser(t)];
  const groups = [await createGroup(t), await createGroup(t, { users: [users[0].pk] })];
  const roles = [await createRole(t), await createRole(t)];
  const post = async (url: string, body: unknown) => {
    const response = await t.client.post(url, body);
    assert.equal(response.status, 201, `${url}: ${response.text}`);
    return response.body;
  };
  const prompt = await post('/api/v3/stages/prompt/prompts/', {
    name: unique('prompt'),
    field_key: 'username',
    label: 'Username',
    type: 'username',
  });
  const promptStage = await post('/api/v3/stages/prompt/stages/', {
    name: unique('prompt-stage'),
    fields: [prompt.pk],
  });
  const userWrite = await post('/api/v3/stages/user_write/', { name: unique('user-write') });
  const invitations = [
    await post('/api/v3/stages/invitation/invitations/', { name: unique('inv'), flow: flows[0].pk }),
    await post('/api/v3/stages/invitation/invitations/', {
      name: unique('inv'),
      fixed_data: { username: 'x' },
    }),
  ];
  const token = await post('/api/v3/core/tokens/', {
    identifier: unique('token'),
    user: users[0].pk,
    intent: 'api',
  });
  const events = await t.client.get('/api/v3/events/events/?page_size=2');
  const permissions = await query<{ id: number; name: string }>(
    db,
    sql`SELECT id, app_label || '.' || codename AS name FROM permissions ORDER BY id LIMIT 40`,
  );
  const [admins] = await query<{ uuid: string }>(
    db,
    sql`SELECT group_uuid AS uuid FROM groups WHERE name = 'authentik Admins'`,
  );
  const stageUuids = [...invitationStages.map((s) => s.pk), promptStage.pk, userWrite.pk];
  return {
    // The admins group is a reference target (joining it is the escalation to try) but never a
    // path target: deleting or emptying it would leave the fuzzing superuser without rights.
    uuids: [
      ...flows.map((f) => f.pk),
      ...stageUuids,
      ...bindings.map((b) => b.pk),
      ...groups.map((g) => g.pk),
      ...roles.map((r) => r.pk),
      ...invitations.map((i) => i.pk),
      prompt.pk,
      admins.uuid,
    ],
    ints: [...users.map((u) => u.pk), ...permissions.slice(0, 3).map((p) => p.id)],
    permissions: permissions.map((p) => p.name),
    byParam: {
      id: [...users.map((u) => String(u.pk)), String(permissions[0].id)],
      slug: flows.map((f) => f.slug),
      flow_slug: flows.map((f) => f.slug),
      stage_uuid: stageUuids,
      fsb_uuid: bindings.map((b) => b.pk),
      group_uuid: groups.map((g) => g.pk),
      uuid: roles.map((r) => r.pk),
      identifier: [token.identifier],
      invite_uuid: invitations.map((i) => i.pk),
      prompt_uuid: [prompt.pk],
      event_uuid: events.body.results.map((e: { pk: string }) => e.pk),
    },
  };
}

const superuser = await createUserWithToken(t, { superuser: true });
const unprivileged = await createUserWithToken(t);
const credentials: Credentials = { superuser: superuser.token, unprivileged: unprivileged.token };
const fixtures = await createFixtures();

/**
 * A superuser's successful write may touch the fuzzing actors too (a new group with the
 * unprivileged user as member, a deactivated user): put them back, so the superuser stays one and
 * the unprivileged user holds no permission, before the next request.
 */
async function restoreActors(): Promise<void> {
  await db.execute(sql`DELETE FROM user_groups WHERE user_id = ${unprivileged.id}`);
  await db.execute(sql`DELETE FROM user_roles WHERE user_id = ${unprivileged.id}`);
  await db.execute(
    sql`UPDATE groups SET is_superuser = true WHERE name = 'authentik Admins' AND NOT is_superuser`,
  );
  await db.execute(
    sql`INSERT INTO user_groups (user_id, group_uuid) SELECT ${superuser.id}, group_uuid FROM groups
        WHERE name = 'authentik Admins' ON CONFLICT DO NOTHING`,
  );
  await db.execute(
    sql`UPDATE users SET is_active = true WHERE id IN (${superuser.id}, ${unprivileged.id}) AND NOT is_active`,
  );
}

interface Failure {
  signature: string;
  request: string;
  problem: string;
}

const failures = new Map<string, Failure>();
/** Answers by actor and status class, printed at the end to show how deep the requests reached. */
const statuses = new Map<string, number>();
const prototypeBaseline = new Set(Object.getOwnPropertyNames(Object.prototype));
let digest: Map<string, string>;

function record(signature: string, request: string, problem: string): void {
  if (!failures.has(signature)) failures.set(signature, { signature, request, problem });
}

/** Sends one request and checks the answer and the database against the oracle. */
async function exercise(request: FuzzRequest): Promise<string[]> {
  const problems: string[] = [];
  let status = 0;
  try {
    const response = await t.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers,
      payload: request.payload,
    });
    status = response.statusCode;
    const band = `${request.actor} ${Math.floor(status / 100)}xx`;
    statuses.set(band, (statuses.get(band) ?? 0) + 1);
    const contentType = String(response.headers['content-type'] ?? '');
    problems.push(...problemsOf(request.method, request.url, { status, contentType, body: response.body }));
  } catch (error) {
    problems.push(`request failed: ${(error as Error).message}`);
  }
  const polluted = prototypeGained(prototypeBaseline);
  if (polluted.length > 0) {
    problems.push(`Object.prototype gained ${polluted.join(', ')}`);
    for (const name of polluted) delete (Object.prototype as Record<string, unknown>)[name];
  }
  const next = await stateDigest(db);
  if (status >= 400 && status < 500) {
    const changed = changedTables(digest, next);
    if (changed.length > 0) problems.push(`${status} changed ${changed.join(', ')}`);
  }
  digest = next;
  if (status >= 200 && status < 300 && request.method !== 'GET' && request.method !== 'HEAD') {
    await restoreActors();
    digest = await stateDigest(db);
  }
  return problems;
}

function report(): string {
  return [...failures.values()].map((f) => `- ${f.signature}\n    ${f.problem}\n    ${f.request}`).join('\n');
}

describe(`fuzz every operation of openapi.yml (seed ${SEED}, ${PER_OPERATION} requests each)`, () => {
  before(async () => {
    console.log(`fuzz seed ${SEED}; reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
    digest = await stateDigest(db);
  });

  OPERATIONS.forEach((operation, index) => {
    test(`${operation.method} ${operation.template}`, async () => {
      const before = failures.size;
      await fc.assert(
        fc.asyncProperty(requestFor(operation, fixtures, credentials), async (request) => {
          for (const problem of await exercise(request)) {
            const kind = problem.replace(/[:(].*$/s, '').trim();
            record(`${operation.id} ${request.actor}: ${kind}`, describeRequest(request), problem);
          }
        }),
        { seed: SEED + index, numRuns: PER_OPERATION, endOnFailure: true },
      );
      const found = [...failures.values()].slice(before);
      assert.deepEqual(
        found.map((f) => f.signature),
        [],
        found.map((f) => `${f.signature}\n    ${f.problem}\n    ${f.request}`).join('\n'),
      );
    });
  });
});

describe('fuzz raw HTTP over a socket', () => {
  let port = 0;
  before(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as net.AddressInfo).port;
  });

  test(`hostile request lines and headers get an answer below 500, never a reset (seed ${SEED})`, async () => {
    const found: string[] = [];
    await fc.assert(
      fc.asyncProperty(rawRequest(OPERATIONS, fixtures, credentials), async (raw) => {
        const outcome = await sendRaw(port, raw.bytes);
        if (outcome.problem) found.push(`${outcome.problem}: ${raw.description}`);
      }),
      { seed: SEED, numRuns: SOCKET_RUNS, endOnFailure: true },
    );
    const unique = [...new Set(found.map((f) => f.slice(0, 400)))];
    assert.deepEqual(unique, [], unique.join('\n'));
  });
});

after(() => {
  console.log(`fuzz answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  if (failures.size > 0) console.log(`fuzz findings (seed ${SEED}):\n${report()}`);
});
