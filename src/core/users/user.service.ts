/**
 * Users (authentik/core/api/users.py UserViewSet): the list with authentik's filters, CRUD,
 * `set_password`, `used_by` and `me`.
 */
import type { Install } from '../bootstrap/install.js';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, type FieldErrors } from '../../api/errors.js';
import { lastValue, type RawQuery } from '../../api/filters.js';
import { checkRelatedPks } from '../../api/validation.js';
import type { UsedByItem } from '../../api/schemas.js';
import { ModelViewSet } from '../../api/viewset.js';
import type { CoreServiceDeps } from './core-service-deps.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { PrivilegeMessages, PrivilegeService, type Refusal } from '../../rbac/privilege.service.js';
import { permissionEntries } from '../../rbac/permission-catalogue.js';
import { groupDisplayName, groupNumPk } from '../../db/group-identity.js';
import { hashPassword } from './password.js';
import { userUid } from './partial-user.schema.js';
import { mergeGroupAttributes } from './group-attributes.js';
import { tokenLifetimeRefusal } from './user-attributes.js';
import { createUserRepository, parseUserPk, userList, type UserRow } from './user.repository.js';
import type { UserBody, UserInput, UserSelfBody } from './user.schema.js';
import { DEFAULT_AVATAR } from './avatar.js';

export const USER_PERMISSION = {
  view: 'authentik_core.view_user',
  add: 'authentik_core.add_user',
  change: 'authentik_core.change_user',
  delete: 'authentik_core.delete_user',
  resetPassword: 'authentik_core.reset_user_password',
} as const;

const INTERNAL_SERVICE_ACCOUNT = 'internal_service_account';
/** UserSerializer's `include_groups` / `include_roles` switches: anything but "true" turns them off. */
function includeFlag(query: RawQuery, key: string): boolean {
  return (lastValue(query, key) ?? 'true').toLowerCase() === 'true';
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

export class UserService extends ModelViewSet<UserRow, UserBody, UserInput> {
  static readonly permissions = USER_PERMISSION;

  private readonly permissions: PermissionService;
  private readonly events: EventService;
  private readonly install: Install;
  private readonly privileges: PrivilegeService;

  constructor(deps: CoreServiceDeps) {
    super(deps, {
      model: 'authentik_core.user',
      objectName: 'User',
      list: userList,
      parseKey: parseUserPk,
      findByPk: (tx, pk) => createUserRepository(tx).findByPk(Number(pk)),
      present: (row, ctx) =>
        presentUser(row, deps.install.id, {
          groups: includeFlag(ctx.query as RawQuery, 'include_groups'),
          roles: includeFlag(ctx.query as RawQuery, 'include_roles'),
        }),
      // authentik's model_to_dict(user): `name` is the model's `name` attribute, the display name.
      // The privilege checks of a create run inside it; an update's target check loads the
      // grants before it when it needs them.
      preloadGrants: 'create',
      authorizeWrite: (actor, current) => this.requireTarget(actor, current),
      insert: (tx, input, caller) => this.insert(tx, input, caller.actor),
      update: (tx, current, input, caller, partial) => this.change(tx, current, input, caller.actor, partial),
      // The many-to-many writes are logged by authentik's audit middleware as an update.
      createWritesRelations: (input) => (input.groups ?? []).length > 0 || (input.roles ?? []).length > 0,
      delete: (tx, current) => createUserRepository(tx).delete(current.pk),
      usedBy: (actor, current) => this.usages(actor, current),
    });
    this.permissions = deps.permissions;
    this.events = deps.events;
    this.install = deps.install;
    this.privileges = new PrivilegeService(deps.permissions);
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
    const refusal = await this.privileges.target(this.deps.db, actor, target.pk);
    if (refusal !== null) throw PrivilegeService.forbidden(refusal);
  }

  private async insert(tx: Db, input: UserInput, actor: Actor): Promise<number> {
    await this.validate(tx, input);
    await this.checkGrants(tx, actor, input);
    const repository = createUserRepository(tx);
    // The serializer's own fields; `groups` and `roles` are written below.
    const pk = await repository.insert(input);
    // `groups` and `roles` default to an empty list on create.
    await repository.setGroups(pk, input.groups ?? []);
    await repository.setRoles(pk, input.roles ?? []);
    return pk;
  }

  /**
   * PUT and PATCH. On PUT, `groups` and `roles` (serializer default `list`) are replaced by an
   * empty list when absent; PATCH leaves what it does not send. A PATCH that leaves the user
   * inactive ends its sessions (UserViewSet.partial_update).
   */
  private async change(
    tx: Db,
    current: UserRow,
    input: Partial<UserInput>,
    actor: Actor,
    partial: boolean,
  ): Promise<void> {
    const groups = input.groups ?? (partial ? undefined : []);
    const roles = input.roles ?? (partial ? undefined : []);
    await this.validate(tx, input, current);
    await this.checkGrants(tx, actor, input, current);
    const repository = createUserRepository(tx);
    await repository.update(current.pk, input);
    if (groups !== undefined) await repository.setGroups(current.pk, groups);
    if (roles !== undefined) await repository.setRoles(current.pk, roles);
    if (partial && !(input.is_active ?? current.is_active)) await repository.deleteSessions(current.pk);
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
    await this.deps.db.transaction(async (tx) => {
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
  private async usages(actor: Actor, current: UserRow): Promise<UsedByItem[]> {
    const rows = await createUserRepository(this.deps.db).usages(current.pk);
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
    const repository = createUserRepository(this.deps.db);
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
