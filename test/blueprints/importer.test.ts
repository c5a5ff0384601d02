/**
 * The importer's semantics (authentik/blueprints/v1/importer.py): every tag, the entry states,
 * one transaction for all entries, idempotency, and errors that name the entry and the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import type { ImportOptions } from '../../src/blueprints/blueprint-importer.service.js';
import { buildTestApp, type TestContext } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';
import { exampleBlueprint, importBlueprint } from './blueprint-helpers.js';

const t: TestContext = await buildTestApp();
const importer = t.app.blueprints;

/** Applies text as the system (the start-up folder and CLI path), with `!Env` reading `env`. */
async function applyAsSystem(text: string, options: Partial<ImportOptions> = {}) {
  return importer.importText(await importer.systemContext(), text, { env: {}, audit: false, ...options });
}

async function flowExists(slug: string): Promise<boolean> {
  return (await t.client.get(`/api/v3/flows/instances/${slug}/`)).status === 200;
}

async function countEvents(): Promise<number> {
  const [row] = await query<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM events`);
  return row.n;
}

/** Every row of the tables blueprints write, as text, for before/after comparisons. */
async function snapshot(): Promise<string> {
  const tables = [
    'flows',
    'stages',
    'flow_stage_bindings',
    'invitation_stages',
    'prompts',
    'prompt_stage_fields',
    'user_write_stages',
    'user_login_stages',
    'invitations',
    'groups',
    'roles',
    'users',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await query<{ row: string }>(
      t.database.db,
      sql`SELECT row_to_json(x)::text AS row FROM ${sql.raw(table)} x ORDER BY 1`,
    );
    parts.push(`${table}:${rows.map((r) => r.row).join('\n')}`);
  }
  return parts.join('\n\n');
}

function flowEntry(slug: string, extra = ''): string {
  return `
  - model: authentik_flows.flow
    id: ${slug}
    identifiers: {slug: ${slug}}
    attrs: {name: ${slug}, title: ${slug}, designation: enrollment${extra}}`;
}

describe('one transaction', () => {
  test('an error in entry 3 leaves entries 1 and 2 uncreated, and names the entry and field', async () => {
    const slug = unique('atomic');
    const stage = unique('atomic-stage');
    const before = await countEvents();
    const response = await importBlueprint(
      t,
      `version: 1
entries:${flowEntry(slug)}
  - model: authentik_stages_invitation.invitationstage
    id: stage
    identifiers: {name: ${stage}}
  - model: authentik_flows.flow
    id: broken-flow
    identifiers: {slug: ${slug}-b}
    attrs: {name: b, title: b, designation: not-a-designation}
`,
    );
    assert.equal(response.status, 200);
    assert.equal(response.body.success, false);
    const [log] = response.body.logs;
    assert.equal(log.log_level, 'warning');
    assert.match(
      log.event,
      /^Entry invalid: entry 3, id "broken-flow", model authentik_flows\.flow, field "designation": /,
    );
    assert.match(log.event, /not a valid choice/);
    assert.equal(log.attributes.entry, 3);
    assert.equal(log.attributes.field, 'designation');
    assert.equal(await flowExists(slug), false);
    const stages = await t.client.get(`/api/v3/stages/invitation/stages/?name=${stage}`);
    assert.equal(stages.body.pagination.count, 0);
    assert.equal(await countEvents(), before, 'no audit event survives the rollback');
  });

  test('a uniqueness error of the service names its field', async () => {
    const name = unique('dup');
    await t.client.post('/api/v3/stages/user_login/', { name });
    const response = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_stages_invitation.invitationstage
    identifiers: {name: ${name}}
`,
    );
    assert.equal(response.body.success, false);
    assert.match(
      response.body.logs[0].event,
      /entry 1, model authentik_stages_invitation\.invitationstage, field "name": /,
    );
  });

  test('a missing !KeyOf target names the entry', async () => {
    const response = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_flows.flowstagebinding
    id: b
    identifiers: {target: !KeyOf nowhere, stage: !KeyOf nothing, order: 1}
`,
    );
    assert.equal(response.body.success, false);
    assert.match(
      response.body.logs[0].event,
      /entry 1, id "b".*KeyOf: failed to find entry with `id` of `nowhere`/,
    );
  });
});

describe('idempotency', () => {
  test('applying the full example twice changes no row and writes no event', async () => {
    const first = await importBlueprint(t, exampleBlueprint('flows-invitation-enrollment.yaml'));
    assert.deepEqual(first.body, { success: true, logs: [] });
    const rows = await snapshot();
    const events = await countEvents();
    const second = await importBlueprint(t, exampleBlueprint('flows-invitation-enrollment.yaml'));
    assert.deepEqual(second.body, { success: true, logs: [] });
    assert.equal(await snapshot(), rows);
    assert.equal(await countEvents(), events);
  });

  test('a changed attribute updates the object, with one model_updated event', async () => {
    const slug = unique('change');
    const text = (title: string) => `version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: ${slug}}
    attrs: {name: ${slug}, title: ${title}, designation: enrollment}
`;
    assert.equal((await importBlueprint(t, text('First'))).body.success, true);
    const before = await countEvents();
    assert.equal((await importBlueprint(t, text('Second'))).body.success, true);
    assert.equal((await t.client.get(`/api/v3/flows/instances/${slug}/`)).body.title, 'Second');
    const events = await query<{ action: string }>(
      t.database.db,
      sql`SELECT action FROM events ORDER BY created DESC LIMIT ${(await countEvents()) - before}`,
    );
    assert.deepEqual(
      events.map((e) => e.action),
      ['model_updated'],
    );
  });
});

describe('audit', () => {
  test('an API import writes model_created events as the caller, in the same transaction', async () => {
    const slug = unique('audited');
    await importBlueprint(t, `version: 1\nentries:${flowEntry(slug)}\n`);
    const [event] = await query<{ action: string; user: { username: string }; context: any }>(
      t.database.db,
      sql`SELECT action, "user", context FROM events
          WHERE context->'model'->>'name' = ${slug} ORDER BY created`,
    );
    assert.equal(event.action, 'model_created');
    assert.equal(event.user.username, 'akadmin');
    assert.equal(event.context.model.app, 'authentik_flows');
    assert.equal(event.context.http_request.path, '/api/v3/managed/blueprints/import/');
  });

  test('a system apply (start-up folder, CLI) writes no event, as authentik has no request then', async () => {
    const before = await countEvents();
    const result = await applyAsSystem(`version: 1\nentries:${flowEntry(unique('system'))}\n`);
    assert.equal(result.success, true);
    assert.equal(await countEvents(), before);
  });
});

describe('entry states', () => {
  test('created never updates, must_created refuses an existing object, absent deletes', async () => {
    const slug = unique('states');
    assert.equal((await applyAsSystem(`version: 1\nentries:${flowEntry(slug)}\n`)).success, true);
    const withState = (state: string) => `version: 1
entries:
  - model: authentik_flows.flow
    state: ${state}
    identifiers: {slug: ${slug}}
    attrs: {name: changed, title: changed, designation: enrollment}
`;
    const created = await applyAsSystem(withState('created'));
    assert.equal(created.success, true);
    assert.equal((await t.client.get(`/api/v3/flows/instances/${slug}/`)).body.title, slug);
    const must = await applyAsSystem(withState('must_created'));
    assert.equal(must.success, false);
    assert.match(must.logs[0].event, /State is set to must_created and object exists already/);
    const absent = await applyAsSystem(`version: 1
entries:
  - model: authentik_flows.flow
    state: absent
    identifiers: {slug: ${slug}}
  - model: authentik_flows.flow
    state: absent
    identifiers: {slug: ${slug}-never-existed}
`);
    assert.equal(absent.success, true);
    assert.equal(await flowExists(slug), false);
  });

  test('an unknown state is an error naming the state field', async () => {
    const result = await applyAsSystem(`version: 1
entries:
  - model: authentik_flows.flow
    state: sideways
    identifiers: {slug: x}
`);
    assert.equal(result.success, false);
    assert.match(result.logs[0].event, /field "state": 'sideways' is not a valid BlueprintEntryDesiredState/);
  });
});

describe('tags', () => {
  test('!Context reads the import context over the blueprint context, with defaults', async () => {
    const slug = unique('ctx');
    const result = await applyAsSystem(
      `version: 1
context: {title: from-blueprint, name: from-blueprint}
entries:
  - model: authentik_flows.flow
    identifiers: {slug: !Context slug}
    attrs: {name: !Context name, title: !Context title, designation: !Context [designation, enrollment]}
`,
      { context: { slug, title: 'from-import' } },
    );
    assert.equal(result.success, true, JSON.stringify(result.logs));
    const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
    assert.equal(flow.title, 'from-import');
    assert.equal(flow.name, 'from-blueprint');
    assert.equal(flow.designation, 'enrollment');
  });

  test('!Env reads the environment (system applies), with a default for an unset variable', async () => {
    const slug = unique('env');
    const result = await applyAsSystem(
      `version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: ${slug}}
    attrs: {name: !Env FLOW_NAME, title: !Env [UNSET_TITLE, Default title], designation: enrollment}
`,
      { env: { FLOW_NAME: 'From the environment' } },
    );
    assert.equal(result.success, true, JSON.stringify(result.logs));
    const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
    assert.equal(flow.name, 'From the environment');
    assert.equal(flow.title, 'Default title');
  });

  test('!Format, !If, !Condition and entry conditions', async () => {
    const slug = unique('fmt');
    const result = await applyAsSystem(
      `version: 1
context: {internal: true}
entries:
  - model: authentik_flows.flow
    identifiers: {slug: !Format ["%s-%d", ${slug}, 7]}
    attrs:
      name: !If [!Context internal, Internal flow, External flow]
      title: !If [!Condition [AND, !Context internal, !Condition [NOR, false, ""]], both, not both]
      designation: enrollment
      compatibility_mode: !If [!Condition [XOR, true, true]]
  - model: authentik_flows.flow
    conditions: [!Condition [OR, false, 0]]
    identifiers: {slug: ${slug}-skipped}
    attrs: {name: s, title: s, designation: enrollment}
`,
    );
    assert.equal(result.success, true, JSON.stringify(result.logs));
    const flow = (await t.client.get(`/api/v3/flows/instances/${slug}-7/`)).body;
    assert.equal(flow.name, 'Internal flow');
    assert.equal(flow.title, 'both');
    assert.equal(flow.compatibility_mode, false);
    assert.equal(await flowExists(`${slug}-skipped`), false);
  });

  test('!Find finds an existing object by its fields, and null when there is none', async () => {
    const slug = unique('find');
    const name = unique('find-stage');
    const result = await applyAsSystem(
      `version: 1
entries:${flowEntry(slug)}
  - model: authentik_stages_invitation.invitationstage
    identifiers: {name: ${name}}
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, ${slug}]]
      stage: !Find [authentik_stages_invitation.invitationstage, [name, ${name}]]
      order: 3
  - model: authentik_stages_invitation.invitation
    identifiers: {name: ${slug}-inv}
    attrs: {flow: !Find [authentik_flows.flow, [slug, no-such-flow]]}
`,
    );
    assert.equal(result.success, true, JSON.stringify(result.logs));
    const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
    const bindings = await t.client.get(`/api/v3/flows/bindings/?target=${flow.pk}`);
    assert.equal(bindings.body.results[0].stage_obj.name, name);
    const invitation = await t.client.get(`/api/v3/stages/invitation/invitations/?name=${slug}-inv`);
    assert.equal(invitation.body.results[0].flow, null);
  });

  test('!Enumerate with !Index and !Value builds lists and mappings', async () => {
    const prefix = unique('enum');
    const result = await applyAsSystem(
      `version: 1
context:
  keys: [username, email]
entries:
  - model: authentik_stages_prompt.prompt
    id: first
    identifiers: {name: ${prefix}-0}
    attrs: {field_key: username, label: Username, type: username}
  - model: authentik_stages_prompt.prompt
    id: second
    identifiers: {name: ${prefix}-1}
    attrs: {field_key: email, label: Email, type: email}
  - model: authentik_stages_prompt.promptstage
    identifiers: {name: ${prefix}-stage}
    attrs:
      fields: !Enumerate [[first, second], SEQ, !Find [authentik_stages_prompt.prompt, [name, !Format ["${prefix}-%s", !Index 0]]]]
  - model: authentik_core.group
    identifiers: {name: ${prefix}-group}
    attrs:
      attributes: !Enumerate [!Context keys, MAP, [!Value 0, !Index 0]]
`,
    );
    assert.equal(result.success, true, JSON.stringify(result.logs));
    const stage = await t.client.get(`/api/v3/stages/prompt/stages/?name=${prefix}-stage`);
    assert.equal(stage.body.results[0].fields.length, 2);
    const group = await t.client.get(`/api/v3/core/groups/?name=${prefix}-group`);
    assert.deepEqual(group.body.results[0].attributes, { username: 0, email: 1 });
  });

  test('tags authentik has but Tessera does not read are refused by name', async () => {
    const result = await applyAsSystem(`version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: !File /etc/passwd}
`);
    assert.equal(result.success, false);
    assert.match(result.logs[0].event, /the tag !File is not supported/);
  });
});

describe('the start-up folder', () => {
  test('applies every file in path order, skips instantiate: false, and survives a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-blueprints-'));
    mkdirSync(join(dir, 'nested'));
    const slug = unique('folder');
    writeFileSync(join(dir, '10-broken.yaml'), 'version: 1\nentries: [this is: : not yaml');
    writeFileSync(join(dir, '20-flow.yaml'), `version: 1\nentries:${flowEntry(slug)}\n`);
    writeFileSync(
      join(dir, 'nested', '30-stage.yml'),
      `version: 1
entries:
  - model: authentik_stages_invitation.invitationstage
    identifiers: {name: ${slug}-stage}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !Find [authentik_flows.flow, [slug, ${slug}]], stage: !Find [authentik_stages_invitation.invitationstage, [name, ${slug}-stage]], order: 1}
`,
    );
    writeFileSync(join(dir, '40-example.yaml'), exampleBlueprint('flows-invitation-enrollment-minimal.yaml'));
    const messages: { level: string; message: string; details: Record<string, unknown> }[] = [];
    const log = {
      info: (details: Record<string, unknown>, message: string) =>
        messages.push({ level: 'info', message, details }),
      error: (details: Record<string, unknown>, message: string) =>
        messages.push({ level: 'error', message, details }),
    };
    await importer.applyFolder(dir, {}, log);
    assert.equal(await flowExists(slug), true);
    const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
    assert.equal((await t.client.get(`/api/v3/flows/bindings/?target=${flow.pk}`)).body.pagination.count, 1);
    assert.deepEqual(
      messages.map((m) => [m.level, String(m.details.file).slice(dir.length + 1)]),
      [
        ['error', '10-broken.yaml'],
        ['info', '20-flow.yaml'],
        ['info', '40-example.yaml'],
        ['info', 'nested/30-stage.yml'],
      ],
    );
    assert.match(messages[2].message, /not instantiated/);
  });

  test('a server started with AUTHENTIK_BLUEPRINTS_DIR applies it before answering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-blueprints-'));
    const slug = unique('startup');
    writeFileSync(join(dir, 'flow.yaml'), `version: 1\nentries:${flowEntry(slug)}\n`);
    writeFileSync(join(dir, 'broken.yaml'), 'version: 2\n');
    const other = await buildTestApp({ AUTHENTIK_BLUEPRINTS_DIR: dir });
    assert.equal((await other.client.get(`/api/v3/flows/instances/${slug}/`)).status, 200);
  });
});
