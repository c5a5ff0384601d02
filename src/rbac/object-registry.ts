/**
 * The models whose objects Tessera holds, keyed by `<app_label>.<model>`: where their rows live
 * and how authentik's `str(obj)` renders one. Object-level grants name an object by model and
 * primary key; this is how such a grant is checked against a real row.
 */
import { sql, type SQL } from 'drizzle-orm';
import { parseUuid } from '../api/filters.js';
import { pythonInt } from '../api/python-numbers.js';

export interface ObjectModel {
  /** FROM clause with alias `o`. */
  from: SQL;
  pk: SQL;
  pkKind: 'uuid' | 'int';
  /** authentik's str() of the object, as SQL over `o`. */
  describe: SQL;
}

/** Rbac's own and the lower layers' models; stage types add theirs (`registerObjectModel`). */
export const OBJECT_MODELS: Record<string, ObjectModel> = {
  'authentik_core.user': { from: sql`users o`, pk: sql`o.id`, pkKind: 'int', describe: sql`o.username` },
  'authentik_core.group': {
    from: sql`groups o`,
    pk: sql`o.group_uuid`,
    pkKind: 'uuid',
    describe: sql`'Group ' || o.name`,
  },
  'authentik_core.token': {
    from: sql`tokens o`,
    pk: sql`o.token_uuid`,
    pkKind: 'uuid',
    describe: sql`o.identifier`,
  },
  'authentik_rbac.role': {
    from: sql`roles o`,
    pk: sql`o.uuid`,
    pkKind: 'uuid',
    describe: sql`'Role ' || o.name`,
  },
  'authentik_flows.flow': {
    from: sql`flows o`,
    pk: sql`o.flow_uuid`,
    pkKind: 'uuid',
    describe: sql`'Flow ' || o.name || ' (' || o.slug || ')'`,
  },
  'authentik_flows.flowstagebinding': {
    from: sql`flow_stage_bindings o`,
    pk: sql`o.fsb_uuid`,
    pkKind: 'uuid',
    describe: sql`'Flow-stage binding #' || o."order" || ' to ' || o.target`,
  },
  'authentik_stages_invitation.invitation': {
    from: sql`invitations o LEFT JOIN users cu ON cu.id = o.created_by`,
    pk: sql`o.invite_uuid`,
    pkKind: 'uuid',
    describe: sql`'Invitation ' || replace(o.invite_uuid::text, '-', '') || ' created by ' || coalesce(cu.username, '')`,
  },
  'authentik_events.event': {
    from: sql`events o`,
    pk: sql`o.event_uuid`,
    pkKind: 'uuid',
    describe: sql`o.action || ': ' || o.context::text`,
  },
  'authentik_stages_prompt.prompt': {
    from: sql`prompts o`,
    pk: sql`o.prompt_uuid`,
    pkKind: 'uuid',
    describe: sql`'Prompt field ''' || o.field_key || ''' type ' || o.type`,
  },
  'tessera_webhooks.webhookendpoint': {
    from: sql`webhook_endpoints o`,
    pk: sql`o.endpoint_uuid`,
    pkKind: 'uuid',
    describe: sql`'Webhook endpoint ' || o.name`,
  },
};

/**
 * Adds a model a higher layer declares (a stage type, from its stage definition), keyed by
 * `<app_label>.<model>`, as the declaring module loads.
 */
export function registerObjectModel(key: string, model: ObjectModel): void {
  if (Object.hasOwn(OBJECT_MODELS, key)) throw new Error(`object model ${key} is registered twice`);
  OBJECT_MODELS[key] = model;
}

/** The object pk as authentik stores it in a grant (str(pk)), or undefined when malformed. */
export function normalizeObjectPk(model: ObjectModel, raw: string): string | undefined {
  if (model.pkKind === 'uuid') return parseUuid(raw);
  const value = pythonInt(raw);
  return value === undefined || Math.abs(value) > 2147483647 ? undefined : String(value);
}

/** `<pk> = $1` for a normalised pk. */
export function objectPkMatches(model: ObjectModel, pk: string): SQL {
  return model.pkKind === 'uuid' ? sql`${model.pk} = ${pk}::uuid` : sql`${model.pk} = ${Number(pk)}`;
}
