/**
 * Users (authentik/core/api/users.py UserViewSet): the list with authentik's filters, CRUD,
 * `set_password`, `used_by` and `me`.
 */
import type { Install } from '../bootstrap/install.js';
import { pageOf } from '../../api/list.js';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { FilterReader, allValues, lastValue, type RawQuery } from '../../api/filters.js';
import { lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import type { Page, PageSizeSettings } from '../../api/pagination.js';
import { pythonInt } from '../../api/python-numbers.js';
import { readSearch } from '../../api/search.js';
import { checkRelatedPks, parseDatetime } from '../../api/validation.js';
import type { UsedByItem } from '../../api/schemas.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { PrivilegeMessages, PrivilegeService, type Refusal } from '../../rbac/privilege.service.js';
import { permissionEntries } from '../../rbac/permission-catalogue.js';
import { groupDisplayName, groupNumPk } from '../../db/group-identity.js';
import { hashPassword } from './password.js';
import { userUid } from './partial-user.schema.js';
import { mergeGroupAttributes } from './group-attributes.js';
import { tokenLifetimeRefusal } from './user-attributes.js';
import {
  USER_ORDER_FIELDS,
  createUserRepository,
  type DateRange,
  type UserFilter,
  type UserRow,
} from './user.repository.js';
import { USER_TYPES, type UserBody, type UserInput, type UserSelfBody } from './user.schema.js';
import { DEFAULT_AVATAR } from './avatar.js';

export const USER_PERMISSION = {
  view: 'authentik_core.view_user',
  add: 'authentik_core.add_user',
  change: 'authentik_core.change_user',
  delete: 'authentik_core.delete_user',
  resetPassword: 'authentik_core.reset_user_password',
} as const;

const INTERNAL_SERVICE_ACCOUNT = 'internal_service_account';
const CHOICE_ERROR = (value: string) =>
  `Select a valid choice. ${value} is not one of the available choices.`;

/** UserSerializer's `include_groups` / `include_roles` switches: anything but "true" turns them off. */
function includeFlag(query: RawQuery, key: string): boolean {
  return (lastValue(query, key) ?? 'true').toLowerCase() === 'true';
}

/** A user id from the URL, as Django's IntegerField lookup reads it; anything else is a 404. */
export function parseUserPk(raw: string): string | undefined {
  const value = pythonInt(raw);
  if (value === undefined || value < -2147483648 || value > 2147483647) return undefined;
  return String(value);
}

/** The serializer: the row plus the values computed in code, in authentik's field order. */
export function presentUser(
  row: UserRow,
  installId: string,
  include: { groups: boolean; roles: boolean } = { groups: true, roles: true },
): UserBody {
  return {
    pk: row.pk,
    username: row.username,
    name: row.name,
    is_active: row.is_active,
    last_login: row.last_login,
    date_joined: row.date_joined,
    is_superuser: row.is_superuser,
    groups: row.groups,
    groups_obj: include.groups
      ? row.groups_obj.map((g) => ({
          pk: g.pk,
          num_pk: groupNumPk(g.pk),
          name: g.name,
          is_superuser: g.is_superuser,
          attributes: g.attributes,
        }))
      : null,
    roles: row.roles,
    roles_obj: include.roles ? row.roles_obj : null,
    email: row.email,
    avatar: DEFAULT_AVATAR,
    attributes: row.attributes,
    uid: userUid(installId, row.pk),
    path: row.path,
    type: row.type,
    uuid: row.uuid,
    password_change_date: row.password_change_date,
    last_updated: row.last_updated,
  };
}

export class UserService {
  static readonly permissions = USER_PERMISSION;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly install: Install,
    private readonly pageDefaults: PageSizeSettings,
    private readonly privileges: PrivilegeService = new PrivilegeService(permissions),
  ) {}

  private present(row: UserRow, ctx: RequestContext): UserBody {
    const query = ctx.query as RawQuery;
    return presentUser(row, this.install.id, {
      groups: includeFlag(query, 'include_groups'),
      roles: includeFlag(query, 'include_roles'),
    });
  }

  /**
   * The list: search (DRF's SearchFilter fallback of authentik's QL search), the permission
   * filter (403 when nothing is visible), UsersFilter (400 per field), ordering, pagination.
   */
  async list(ctx: RequestContext, query: RawQuery): Promise<Page<UserBody>> {
    const actor = requireActor(ctx);
    const searchTerms = readSearch(query);
    const visibility = await this.permissions.visibility(actor, USER_PERMISSION.view);
    const filters = new FilterReader(query);
    const range = (key: string): DateRange => ({
      exact: filters.datetime(key, parseDatetime),
      gt: filters.datetime(`${key}__gt`, parseDatetime),
      lt: filters.datetime(`${key}__lt`, parseDatetime),
    });
    const filter: UserFilter = {
      username: filters.text('username'),
      email: filters.text('email'),
      name: filters.text('name'),
      isActive: filters.boolean('is_active'),
      isSuperuser: filters.boolean('is_superuser'),
      uuid: filters.uuid('uuid'),
      path: filters.text('path'),
      pathStartswith: filters.text('path_startswith'),
      types: this.readTypes(query, filters),
      groupsByPk: filters.uuidList('groups_by_pk'),
      rolesByPk: filters.uuidList('roles_by_pk'),
      dateJoined: range('date_joined'),
      lastUpdated: range('last_updated'),
      lastLogin: range('last_login'),
      lastLoginIsNull: filters.boolean('last_login__isnull'),
      searchTerms,
      visiblePks: visibility.all
        ? undefined
        : visibility.pks
            .map((pk) => parseUserPk(pk))
            .filter((pk) => pk !== undefined)
            .map(Number),
      ordering: readOrdering(query, USER_ORDER_FIELDS, ['username']),
    };
    const repository = createUserRepository(this.db);
    const attributesRaw = filters.text('attributes');
    filter.groupsByName = await this.readModelChoices(query, 'groups_by_name', filters, (names) =>
      repository.groupNamesExisting(names),
    );
    filter.rolesByName = await this.readModelChoices(query, 'roles_by_name', filters, (names) =>
      repository.roleNamesExisting(names),
    );
    if (filter.groupsByPk) {
      await this.checkExisting('groups_by_pk', filter.groupsByPk, filters, (pks) =>
        repository.existingGroups(pks),
      );
    }
    if (filter.rolesByPk) {
      await this.checkExisting('roles_by_pk', filter.rolesByPk, filters, (pks) =>
        repository.existingRoles(pks),
      );
    }
    filters.finish();
    if (attributesRaw !== undefined) filter.attributes = parseAttributesFilter(attributesRaw);
    const result = await pageOf(repository, filter, query, this.pageDefaults);
    return { ...result, results: result.results.map((row) => this.present(row, ctx)) };
  }

  /** MultipleChoiceFilter on `type`: every value must be a UserTypes choice. */
  private readTypes(query: RawQuery, filters: FilterReader): string[] | undefined {
    const values = allValues(query, 'type').filter((v) => v !== '');
    if (values.length === 0) return undefined;
    const bad = values.find((v) => !(USER_TYPES as readonly string[]).includes(v));
    if (bad !== undefined) {
      filters.fail('type', CHOICE_ERROR(bad));
      return undefined;
    }
    return values;
  }

  /** ModelMultipleChoiceFilter with `to_field_name`: every value must name an existing object. */
  private async readModelChoices(
    query: RawQuery,
    key: string,
    filters: FilterReader,
    existing: (values: string[]) => Promise<Set<string>>,
  ): Promise<string[] | undefined> {
    const values = allValues(query, key).filter((v) => v !== '');
    if (values.length === 0) return undefined;
    if (values.some((v) => v.includes('\0'))) {
      filters.fail(key, Messages.nullCharacters);
      return undefined;
    }
    const found = await existing(values);
    const bad = values.find((v) => !found.has(v));
    if (bad !== undefined) {
      filters.fail(key, CHOICE_ERROR(bad));
      return undefined;
    }
    return values;
  }

  private async checkExisting(
    key: string,
    pks: string[],
    filters: FilterReader,
    existing: (pks: string[]) => Promise<Set<string>>,
  ): Promise<void> {
    const found = await existing(pks);
    const bad = pks.find((pk) => !found.has(pk));
    if (bad !== undefined) filters.fail(key, CHOICE_ERROR(bad));
  }

  /** get_object(): the permission-filtered lookup by integer id. */
  async find(actor: Actor, rawPk: string): Promise<UserRow> {
    const repository = createUserRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: USER_PERMISSION.view,
      modelName: 'User',
      rawPk,
      parse: parseUserPk,
      find: (pk) => repository.findByPk(Number(pk)),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<UserBody> {
    return this.present(await this.find(requireActor(ctx), rawPk), ctx);
  }

  /**
   * UserSerializer's field validators (UniqueValidator on username, validate_path,
   * validate_type, the related-field lookups), collected into one 400 as DRF does, then
   * `validate()`.
   */
  private async validate(db: Db, input: Partial<UserInput>, current?: UserRow): Promise<void> {
    const repository = createUserRepository(db);
    const errors: FieldErrors = {};
    if (input.username !== undefined && (await repository.usernameTaken(input.username, current?.pk))) {
      errors.username = ['This field must be unique.'];
    }
    if (input.path !== undefined) {
      const path = input.path;
      if (path.startsWith('/') || path.endsWith('/'))
        errors.path = ['No leading or trailing slashes allowed.'];
      else if (path.split('/').some((segment) => segment === ''))
        errors.path = ['No empty segments in user path allowed.'];
    }
    if (input.type !== undefined) {
      if (current && current.type === INTERNAL_SERVICE_ACCOUNT && input.type !== INTERNAL_SERVICE_ACCOUNT) {
        errors.type = ["Can't change internal service account to other user type."];
      } else if (!current && input.type === INTERNAL_SERVICE_ACCOUNT) {
        errors.type = ['Setting a user to internal service account is not allowed.'];
      }
    }
    // PrimaryKeyRelatedField(many=True): the first missing pk is the field's error.
    await checkRelatedPks(errors, 'groups', input.groups, (pks) => repository.existingGroups(pks));
    await checkRelatedPks(errors, 'roles', input.roles, (pks) => repository.existingRoles(pks));
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    if (current && current.type === INTERNAL_SERVICE_ACCOUNT) {
      throw ApiError.nonField("Can't modify internal service account users");
    }
  }

  /**
   * The groups and roles a write adds to a user, checked against what the caller holds
   * (PrivilegeService): joining a superuser group needs a superuser, a role every grant it
   * carries. Only additions count: what the user already has was granted by someone allowed to.
   */
  private async checkGrants(db: Db, actor: Actor, input: Partial<UserInput>, current?: UserRow) {
    const errors: FieldErrors = {};
    const refuse = (field: string, refusal: Refusal) => {
      if (refusal !== null) errors[field] = [PrivilegeMessages[refusal]];
    };
    const groups = (input.groups ?? []).filter((pk) => !(current?.groups ?? []).includes(pk));
    const roles = (input.roles ?? []).filter((pk) => !(current?.roles ?? []).includes(pk));
    refuse('groups', await this.privileges.groups(db, actor, groups));
    refuse('roles', await this.privileges.roles(db, actor, roles));
    // The token-lifetime attributes decide whether and how long the user's tokens may live,
    // which only a superuser may allow (TokenViewSet.perform_create); otherwise change_user on
    // oneself would lift the expiry the token endpoint enforces.
    const lifetimeRefusal = tokenLifetimeRefusal(actor, current?.attributes, input.attributes);
    if (lifetimeRefusal !== undefined) errors.attributes = [lifetimeRefusal];
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  }

  /**
   * Editing, deleting or setting the password of another user needs everything that user
   * holds: otherwise a holder of change_user or reset_user_password could take over akadmin.
   */
  private async requireTarget(actor: Actor, target: UserRow): Promise<void> {
    const refusal = await this.privileges.target(this.db, actor, target.pk);
    if (refusal !== null) throw PrivilegeService.forbidden(refusal);
  }

  async create(ctx: RequestContext, input: UserInput): Promise<UserBody> {
    const actor = requireActor(ctx);
    await this.privileges.prepare(actor);
    const row = await this.db.transaction(async (tx) => {
      await this.validate(tx, input);
      await this.checkGrants(tx, actor, input);
      const repository = createUserRepository(tx);
      const pk = await repository.insert({
        username: input.username,
        name: input.name,
        isActive: input.is_active,
        lastLogin: input.last_login,
        email: input.email,
        attributes: input.attributes,
        path: input.path,
        type: input.type,
      });
      // `groups` and `roles` default to an empty list on create.
      await repository.setGroups(pk, input.groups ?? []);
      await repository.setRoles(pk, input.roles ?? []);
      const created = (await repository.findByPk(pk)) as UserRow;
      await this.events.model(tx, ctx, 'model_created', userRef(created));
      // The many-to-many writes are logged by authentik's audit middleware as an update.
      if ((input.groups ?? []).length > 0 || (input.roles ?? []).length > 0) {
        await this.events.model(tx, ctx, 'model_updated', userRef(created));
      }
      return created;
    });
    return this.present(row, ctx);
  }

  /**
   * PUT and PATCH. On PUT, `groups` and `roles` (serializer default `list`) are replaced by an
   * empty list when absent; PATCH leaves what it does not send. A PATCH that leaves the user
   * inactive ends its sessions (UserViewSet.partial_update).
   */
  async update(
    ctx: RequestContext,
    rawPk: string,
    input: Partial<UserInput>,
    partial: boolean,
  ): Promise<UserBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, USER_PERMISSION.change, String(current.pk));
    await this.requireTarget(actor, current);
    const groups = input.groups ?? (partial ? undefined : []);
    const roles = input.roles ?? (partial ? undefined : []);
    const row = await this.db.transaction(async (tx) => {
      await this.validate(tx, input, current);
      await this.checkGrants(tx, actor, input, current);
      const repository = createUserRepository(tx);
      await repository.update(current.pk, {
        username: input.username,
        name: input.name,
        isActive: input.is_active,
        lastLogin: input.last_login,
        email: input.email,
        attributes: input.attributes,
        path: input.path,
        type: input.type,
      });
      if (groups !== undefined) await repository.setGroups(current.pk, groups);
      if (roles !== undefined) await repository.setRoles(current.pk, roles);
      const updated = (await repository.findByPk(current.pk)) as UserRow;
      if (partial && !updated.is_active) await repository.deleteSessions(current.pk);
      await this.events.model(tx, ctx, 'model_updated', userRef(updated));
      return updated;
    });
    return this.present(row, ctx);
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, USER_PERMISSION.delete, String(current.pk));
    await this.requireTarget(actor, current);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      await this.events.model(tx, ctx, 'model_deleted', userRef(current));
      if (!(await createUserRepository(tx).delete(current.pk)))
        throw ApiError.notFound(Messages.noMatch('User'));
    });
  }

  /**
   * `set_password`: `reset_user_password` globally, or the user must be visible and the
   * permission held on it (authentik's permission_required), then the password is hashed and
   * stored. Writes `password_set` (as authentik's password_changed signal does, with the
   * target user as the event user) and the audit middleware's `model_updated`.
   */
  async setPassword(ctx: RequestContext, rawPk: string, password: string): Promise<void> {
    const actor = requireActor(ctx);
    const global = await this.permissions.hasGlobal(actor, USER_PERMISSION.resetPassword);
    const target = await this.find(actor, rawPk);
    if (!global) {
      await this.permissions.requireOnObject(actor, USER_PERMISSION.resetPassword, String(target.pk));
    }
    await this.requireTarget(actor, target);
    const hash = await hashPassword(password);
    await this.db.transaction(async (tx) => {
      await createUserRepository(tx).setPassword(target.pk, hash);
      await this.events.record(
        tx,
        ctx,
        'password_set',
        {},
        {
          app: 'authentik.events.signals',
          user: { username: target.username, pk: target.pk, email: target.email },
        },
      );
      await this.events.model(tx, ctx, 'model_updated', userRef(target));
    });
  }

  /** used_by: the user's groups and roles (many-to-many) and the invitations it created. */
  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    const rows = await createUserRepository(this.db).usages(current.pk);
    const kinds = {
      group: {
        app: 'authentik_core',
        model_name: 'group',
        permission: 'authentik_core.view_group',
        action: 'cascade_many' as const,
        name: (r: { name: string }) => groupDisplayName(r.name),
        attribute: 'groups',
      },
      invitation: {
        app: 'authentik_stages_invitation',
        model_name: 'invitation',
        permission: 'authentik_stages_invitation.view_invitation',
        action: 'cascade' as const,
        name: (r: { pk: string }) => `Invitation ${r.pk.replace(/-/g, '')} created by ${current.username}`,
        attribute: 'invitation_set',
      },
      role: {
        app: 'authentik_rbac',
        model_name: 'role',
        permission: 'authentik_rbac.view_role',
        action: 'cascade_many' as const,
        name: (r: { name: string }) => `Role ${r.name}`,
        attribute: 'roles',
      },
    };
    // authentik walks the related managers sorted by attribute name.
    const sorted = [...rows].sort((a, b) => kinds[a.kind].attribute.localeCompare(kinds[b.kind].attribute));
    const items: UsedByItem[] = [];
    for (const row of sorted) {
      const kind = kinds[row.kind];
      if (!(await this.permissions.hasOnObject(actor, kind.permission, row.pk))) continue;
      items.push({
        app: kind.app,
        model_name: kind.model_name,
        pk: row.pk,
        name: kind.name(row),
        action: kind.action,
      });
    }
    return items;
  }

  /** `/core/users/me/`: the SessionUser of the caller. */
  async me(ctx: RequestContext) {
    const actor = requireActor(ctx);
    const self = await this.self(actor);
    return { user: self, users: [self] };
  }

  private async self(actor: Actor): Promise<UserSelfBody> {
    const repository = createUserRepository(this.db);
    const row = (await repository.findByPk(actor.user.id)) as UserRow;
    const groups = await repository.allGroups(row.pk);
    const roles = await repository.allRoles(row.pk);
    const attributes = mergeGroupAttributes(groups, row.attributes);
    const settings = attributes.settings;
    return {
      pk: row.pk,
      username: row.username,
      name: row.name,
      is_active: row.is_active,
      is_superuser: row.is_superuser,
      is_current: actor.via === 'session',
      groups: groups.map((g) => ({ name: g.name, pk: g.pk })),
      roles: roles.map((r) => ({ name: r.name, pk: r.pk })),
      email: row.email,
      avatar: DEFAULT_AVATAR,
      uid: userUid(this.install.id, row.pk),
      settings:
        settings && typeof settings === 'object' && !Array.isArray(settings)
          ? (settings as Record<string, unknown>)
          : {},
      type: row.type,
      system_permissions: await this.systemPermissions(actor),
    };
  }

  /** The caller's global `authentik_rbac` permissions, without the app label (get_system_permissions). */
  private async systemPermissions(actor: Actor): Promise<string[]> {
    const codenames = permissionEntries()
      .filter((e) => e.app === 'authentik_rbac')
      .map((e) => e.codename);
    const held: string[] = [];
    for (const codename of codenames) {
      if (await this.permissions.hasGlobal(actor, `authentik_rbac.${codename}`)) held.push(codename);
    }
    return held.sort();
  }
}

/** authentik's model_to_dict(user): `name` is the model's `name` attribute, the display name. */
export function userRef(row: { pk: number; name: string }) {
  return { app: 'authentik_core', model_name: 'user', pk: row.pk, name: row.name };
}

/**
 * UsersFilter.filter_attributes: a JSON object of `attributes__<key>` lookups. authentik answers
 * bad JSON or a non-object with a bare list (a DRF ValidationError with a string detail), which
 * its own schema does not allow (ValidationError is an object); the message goes under the
 * parameter's name instead, as django-filter reports a bad filter value.
 */
export function parseAttributesFilter(raw: string): { path: string[]; value: unknown }[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw ApiError.field('attributes', 'filter: failed to parse JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.field('attributes', 'filter: value must be key:value mapping');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
    path: key.split('__'),
    value: v,
  }));
}
