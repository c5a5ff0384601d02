/**
 * The user_write stage at runtime (authentik/stages/user_write/stage.py UserWriteStageView):
 * writes the prompt data onto a new or the pending user, in one transaction with the group
 * membership and whatever other stages attach to the write (an invitation's use).
 */
import type { Db } from '../../db/client.js';
import { isPlainRecord as isObject, setPath } from '../../api/safe-objects.js';
import { hashPassword } from '../../core/users/password.js';
import { promptAttributePath } from '../../core/users/user-attributes.js';
import {
  PLAN_CONTEXT_PENDING_USER,
  PLAN_CONTEXT_PROMPT,
  PLAN_CONTEXT_USER_PATH,
  PLAN_CONTEXT_USER_TYPE,
} from '../../flows/executor/context-keys.js';
import { denied, ok, type StageHandler, type StageRun } from '../../flows/executor/stage-registry.js';
import {
  USER_WRITE_SETTINGS_SQL,
  createUserWriteRepository,
  type UserValues,
  type UserWriteSettings,
} from './user-write.repository.js';
import { USER_TYPES } from './user-write-stage.schema.js';

const FAILED = 'Failed to update user. Please try again later.';

class Refused extends Error {}

/** authentik's set_path_in_dict; a path through a prototype is data authentik could not save. */
function setAttribute(attributes: Record<string, unknown>, path: string[], value: unknown): void {
  if (!setPath(attributes, path, value)) throw new Refused(FAILED);
}

/**
 * update_user(): copies each prompt-data key onto the user. Returns the raw password to hash,
 * or throws Refused for data authentik cannot save.
 *
 * - `attributes` (an object) is merged shallowly; `attributes.a.b` sets a nested attribute, as
 *   does `attributes_a_b` (authentik turns every `_` of the key into a dot; for the dotted form
 *   Tessera keeps underscores inside the path, so `attributes.job_title` stays one key).
 * - `username`, `name`, `email`, `is_active`, `path`, `type` are written; other model fields
 *   (`pk`, `uuid`, ...) are not, unlike authentik, where fixed_data may set any attribute.
 * - `component`, `groups` and unknown keys (`password_repeat`, `token`) are ignored.
 */
function applyPromptData(user: UserValues, data: Record<string, unknown>): string | undefined {
  let password: string | undefined;
  for (const [key, value] of Object.entries(data)) {
    if (key === 'component' || key === 'groups') continue;
    const attributePath = promptAttributePath(key);
    if (key === 'password') {
      if (typeof value !== 'string') throw new Refused(FAILED);
      password = value;
    } else if (key === 'attributes') {
      if (!isObject(value)) throw new Refused(FAILED);
      for (const name of Object.keys(value)) setAttribute(user.attributes, [name], value[name]);
    } else if (attributePath !== undefined) {
      setAttribute(user.attributes, attributePath, value);
    } else if (key === 'username' || key === 'name' || key === 'email' || key === 'path') {
      if (typeof value !== 'string' && typeof value !== 'number') throw new Refused(FAILED);
      user[key] = String(value);
    } else if (key === 'is_active') {
      if (typeof value !== 'boolean') throw new Refused(FAILED);
      user.is_active = value;
    } else if (key === 'type') {
      if (!(USER_TYPES as readonly unknown[]).includes(value)) throw new Refused(FAILED);
      user.type = value === 'internal_service_account' ? 'service_account' : (value as string);
    }
  }
  return password;
}

async function write(run: StageRun): Promise<ReturnType<typeof ok>> {
  const context = run.plan.context;
  const data = context[PLAN_CONTEXT_PROMPT];
  if (!isObject(data)) return denied('No Pending data.');
  const repository = createUserWriteRepository(run.db);
  // Kept in the plan when it was made (StageHandler.planSettingsSql).
  const settings = run.binding.settings as UserWriteSettings | null;
  if (!settings) return denied();

  const pendingId =
    typeof context[PLAN_CONTEXT_PENDING_USER] === 'number'
      ? (context[PLAN_CONTEXT_PENDING_USER] as number)
      : undefined;
  const existing =
    settings.user_creation_mode !== 'always_create' && pendingId !== undefined
      ? await repository.user(pendingId)
      : undefined;
  if (!existing && settings.user_creation_mode === 'never_create') {
    return denied("No user found and can't create new user.");
  }
  const contextType = context[PLAN_CONTEXT_USER_TYPE];
  let type = typeof contextType === 'string' ? contextType : settings.user_type;
  if (type === 'internal_service_account') type = 'service_account';
  const contextPath = context[PLAN_CONTEXT_USER_PATH];
  const user: UserValues = existing
    ? { ...existing, attributes: { ...existing.attributes } }
    : {
        username: '',
        name: '',
        email: '',
        is_active: !settings.create_users_as_inactive,
        path: (typeof contextPath === 'string' && contextPath) || settings.user_path_template || 'users',
        type,
        attributes: {},
      };

  let password: string | undefined;
  try {
    password = applyPromptData(user, data);
  } catch (error) {
    if (error instanceof Refused) return denied(error.message);
    throw error;
  }
  if (!user.username) return denied();
  if (password !== undefined) user.password = await hashPassword(password);

  try {
    const userId = await run.db.transaction(async (tx: Db) => {
      const users = createUserWriteRepository(tx);
      let id: number;
      if (existing) {
        if (!(await users.update(existing.id, user))) throw new Refused(FAILED);
        id = existing.id;
      } else {
        const inserted = await users.insert(user);
        // The username was taken between the prompt and now (IntegrityError in authentik).
        if (inserted === undefined) throw new Refused(FAILED);
        id = inserted;
        if (settings.create_users_group) await users.addToGroup(id, settings.create_users_group);
      }
      const written = { id, username: user.username, email: user.email, created: !existing };
      const refusal = await run.userWritten(tx, written);
      if (refusal) throw new Refused(refusal);
      const eventUser = { username: user.username, pk: id, email: user.email };
      const events = run.events.batch();
      if (!existing) {
        events.model(run.ctx, 'model_created', {
          app: 'authentik_core',
          model_name: 'user',
          pk: id,
          name: user.username,
        });
      }
      // authentik/events/signals.py on_user_write: the prompt data (secrets masked) and `created`.
      events.record(
        run.ctx,
        'user_write',
        { ...data, created: !existing },
        { app: 'authentik.events.signals', user: eventUser },
      );
      // The user and the plan that moved past this stage commit together, with the events in
      // the same statement: a second answer of the same session sent at once finds the plan
      // moved and writes nobody.
      context[PLAN_CONTEXT_PENDING_USER] = id;
      await run.advance(tx, events.drain());
      return id;
    });
    context[PLAN_CONTEXT_PENDING_USER] = userId;
    return ok();
  } catch (error) {
    if (error instanceof Refused) return denied(error.message);
    throw error;
  }
}

export const userWriteStageHandler: StageHandler = {
  type: 'user_write',
  submit: (run) => write(run),
  planSettingsSql: USER_WRITE_SETTINGS_SQL,
};
