/**
 * Groups (authentik/core/api/groups.py GroupViewSet): CRUD with members, parents and roles,
 * add_user/remove_user and used_by.
 */
import { tokenLifetimeRefusal } from '../users/user-attributes.js';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { lastValue, parseUuid, type RawQuery } from '../../api/filters.js';
import type { UsedByItem } from '../../api/schemas.js';
import { ModelViewSet } from '../../api/viewset.js';
import type { CoreServiceDeps } from '../users/core-service-deps.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { PrivilegeMessages, PrivilegeService, type Refusal } from '../../rbac/privilege.service.js';
import { visibleUserPk } from '../../rbac/role.service.js';
import { presentPartialUser } from '../users/partial-user.schema.js';
import { createUserRepository } from '../users/user.repository.js';
import { groupDisplayName, groupNumPk } from '../../db/group-identity.js';
import { checkRelatedPks } from '../../api/validation.js';
import { createGroupRepository, groupList, type GroupRow } from './group.repository.js';
import type { GroupBody, GroupInput } from './group.schema.js';

/** The group permissions beyond the viewset's view/add/change/delete. */
export const GROUP_PERMISSION = {
  addUser: 'authentik_core.add_user_to_group',
  removeUser: 'authentik_core.remove_user_from_group',
  enableSuperuser: 'authentik_core.enable_group_superuser',
  disableSuperuser: 'authentik_core.disable_group_superuser',
} as const;

/** GroupSerializer's `include_*` switches: "true" (any case) turns one on, anything else off. */
function flag(query: RawQuery, key: string, fallback: 'true' | 'false'): boolean {
  return (lastValue(query, key) ?? fallback).toLowerCase() === 'true';
}

export function groupRef(row: { pk: string; name: string }) {
  return { app: 'authentik_core', model_name: 'group', pk: row.pk, name: row.name };
}

function presentGroup(row: GroupRow, query: RawQuery, installId: string): GroupBody {
  return {
    pk: row.pk,
    num_pk: groupNumPk(row.pk),
    name: row.name,
    is_superuser: row.is_superuser,
    parents: row.parents,
    parents_obj: flag(query, 'include_parents', 'false') ? row.parents_obj : null,
    users: row.users,
    users_obj: flag(query, 'include_users', 'true')
      ? row.users_obj.map((u) => presentPartialUser(u, installId))
      : null,
    attributes: row.attributes,
    roles: row.roles,
    roles_obj: row.roles_obj,
    inherited_roles_obj: flag(query, 'include_inherited_roles', 'false') ? row.inherited_roles_obj : null,
    children: row.children,
    children_obj: flag(query, 'include_children', 'false') ? row.children_obj : null,
  };
}

export class GroupService extends ModelViewSet<GroupRow, GroupBody, GroupInput> {
  private readonly permissions: PermissionService;
  private readonly privileges: PrivilegeService;

  constructor(deps: CoreServiceDeps) {
    super(deps, {
      model: 'authentik_core.group',
      objectName: 'Group',
      list: groupList,
      findByPk: (tx, pk) => createGroupRepository(tx).findByPk(pk),
      present: (row, ctx) => presentGroup(row, ctx.query as RawQuery, deps.install.id),
      // validate_is_superuser and the privilege checks run inside the write.
      preloadGrants: true,
      insert: (tx, input, caller) => this.insert(tx, input, caller.actor),
      update: (tx, current, input, caller, partial) => this.change(tx, current, input, caller.actor, partial),
      createWritesRelations: (input) =>
        (input.users ?? []).length > 0 || (input.parents ?? []).length > 0 || (input.roles ?? []).length > 0,
      delete: (tx, current) => createGroupRepository(tx).delete(current.pk),
      usedBy: (actor, current) => this.usages(actor, current),
    });
    this.permissions = deps.permissions;
    this.privileges = new PrivilegeService(deps.permissions);
  }

  /**
   * GroupSerializer's field validation, collected as DRF does: the unique name, the related
   * pks, and validate_is_superuser (setting or clearing the flag needs
   * enable_/disable_group_superuser, globally or on the group).
   */
  private async validate(db: Db, actor: Actor, input: Partial<GroupInput>, current?: GroupRow) {
    const repository = createGroupRepository(db);
    const errors: FieldErrors = {};
    if (input.name !== undefined && (await repository.nameTaken(input.name, current?.pk))) {
      errors.name = [Messages.uniqueName('Group')];
    }
    if (input.is_superuser !== undefined && !(current && input.is_superuser === current.is_superuser)) {
      const permission = input.is_superuser
        ? GROUP_PERMISSION.enableSuperuser
        : GROUP_PERMISSION.disableSuperuser;
      if (current || input.is_superuser) {
        const allowed = current
          ? await this.deps.permissions.hasOnObject(actor, permission, current.pk)
          : await this.deps.permissions.hasGlobal(actor, permission);
        if (!allowed) {
          errors.is_superuser = [
            `User does not have permission to set superuser status to ${input.is_superuser ? 'True' : 'False'}.`,
          ];
        }
      }
    }
    const users = createUserRepository(db);
    await checkRelatedPks(errors, 'parents', input.parents, (pks) => users.existingGroups(pks));
    if (input.users && input.users.length > 0) {
      const inRange = input.users.filter((pk) => Math.abs(pk) <= 2147483647);
      const found = await repository.existingUsers(inRange);
      const missing = input.users.find((pk) => !found.has(pk));
      if (missing !== undefined) errors.users = [Messages.pkDoesNotExist(missing)];
    }
    await checkRelatedPks(errors, 'roles', input.roles, (pks) => users.existingRoles(pks));
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  }

  /**
   * What a group write hands out, checked against what the caller holds (PrivilegeService),
   * inside the transaction once the rows are written, so that the group's new place in the
   * tree is what counts; a refusal rolls the whole write back. New parents and new roles are
   * checked even on a group without members, since members added later (or by a user_write
   * stage) inherit them; new members are checked against everything the group confers; and
   * turning an existing group into a superuser group makes all its members superusers, which
   * only a superuser may do.
   */
  private async checkGrants(
    db: Db,
    actor: Actor,
    pk: string,
    input: Partial<GroupInput>,
    current?: GroupRow,
  ) {
    const added = <T>(next: T[] | undefined, before: T[] | undefined) =>
      (next ?? []).filter((value) => !(before ?? []).includes(value));
    const errors: FieldErrors = {};
    const refuse = (field: string, refusal: Refusal) => {
      if (refusal !== null) errors[field] = [PrivilegeMessages[refusal]];
    };
    if (current && input.is_superuser === true && !current.is_superuser && !actor.user.is_superuser) {
      refuse('is_superuser', 'superuser');
    }
    refuse('parents', await this.privileges.groups(db, actor, added(input.parents, current?.parents)));
    refuse('roles', await this.privileges.roles(db, actor, added(input.roles, current?.roles)));
    if (added(input.users, current?.users).length > 0) {
      refuse('users', await this.privileges.groups(db, actor, [pk]));
    }
    // Members read the group's attributes as their own (User.group_attributes), token lifetimes
    // included.
    const lifetimeRefusal = tokenLifetimeRefusal(actor, current?.attributes, input.attributes);
    if (lifetimeRefusal !== undefined) errors.attributes = [lifetimeRefusal];
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  }

  private async insert(tx: Db, input: GroupInput, actor: Actor): Promise<string> {
    await this.validate(tx, actor, input);
    const repository = createGroupRepository(tx);
    const pk = await repository.insert({
      name: input.name,
      isSuperuser: input.is_superuser ?? false,
      attributes: input.attributes ?? {},
    });
    await repository.setParents(pk, input.parents ?? []);
    await repository.setUsers(pk, input.users ?? []);
    await repository.setRoles(pk, input.roles ?? []);
    await this.checkGrants(tx, actor, pk, input);
    return pk;
  }

  /** PUT replaces `users` and `parents` (serializer default `list`) when absent; PATCH does not. */
  private async change(
    tx: Db,
    current: GroupRow,
    input: Partial<GroupInput>,
    actor: Actor,
    partial: boolean,
  ): Promise<void> {
    const users = input.users ?? (partial ? undefined : []);
    const parents = input.parents ?? (partial ? undefined : []);
    await this.validate(tx, actor, input, current);
    const repository = createGroupRepository(tx);
    await repository.update(current.pk, {
      name: input.name,
      isSuperuser: input.is_superuser,
      attributes: input.attributes,
    });
    if (parents !== undefined) await repository.setParents(current.pk, parents);
    if (users !== undefined) await repository.setUsers(current.pk, users);
    if (input.roles !== undefined) await repository.setRoles(current.pk, input.roles);
    await this.checkGrants(tx, actor, current.pk, { ...input, users, parents }, current);
  }

  /**
   * add_user / remove_user: `add_user_to_group` / `remove_user_from_group` globally or on the
   * group (looked up without the permission filter), then the user among those the caller may
   * view. The membership change is logged as an update of the group.
   */
  async membership(ctx: RequestContext, rawPk: string, userPk: number, add: boolean): Promise<void> {
    const actor = requireActor(ctx);
    const pk = parseUuid(rawPk);
    if (pk === undefined) throw ApiError.notFound();
    const repository = createGroupRepository(this.deps.db);
    const group = await repository.findByPk(pk);
    if (!group) throw ApiError.notFound(Messages.noMatch('Group'));
    await this.deps.permissions.requireOnObject(
      actor,
      add ? GROUP_PERMISSION.addUser : GROUP_PERMISSION.removeUser,
      pk,
    );
    // Joining the group gives the user everything it confers: the caller must hold all of it.
    if (add) {
      const refusal = await this.privileges.groups(this.deps.db, actor, [pk]);
      if (refusal !== null) throw PrivilegeService.forbidden(refusal);
    }
    const userId = await visibleUserPk(this.permissions, actor, userPk, async (id) =>
      Boolean(await createUserRepository(this.deps.db).findByPk(id)),
    );
    await this.deps.db.transaction(async (tx) => {
      const writer = createGroupRepository(tx);
      if (add) await writer.addUser(pk, userId);
      else await writer.removeUser(pk, userId);
      await this.deps.events.model(tx, ctx, 'model_updated', groupRef(group));
    });
  }

  /** used_by: children, parents, roles and users (many-to-many), user write stages (set null). */
  private async usages(actor: Actor, current: GroupRow): Promise<UsedByItem[]> {
    const { db, permissions } = this.deps;
    const relations: Record<
      string,
      { app: string; model: string; action: UsedByItem['action']; name: (n: string) => string }
    > = {
      children: { app: 'authentik_core', model: 'group', action: 'cascade_many', name: groupDisplayName },
      parents: { app: 'authentik_core', model: 'group', action: 'cascade_many', name: groupDisplayName },
      roles: { app: 'authentik_rbac', model: 'role', action: 'cascade_many', name: (n) => `Role ${n}` },
      users: { app: 'authentik_core', model: 'user', action: 'cascade_many', name: (n) => n },
      userwritestage_set: {
        app: 'authentik_stages_user_write',
        model: 'userwritestage',
        action: 'set_null',
        name: (n) => `Stage ${n}`,
      },
    };
    const items: UsedByItem[] = [];
    for (const row of await createGroupRepository(db).usages(current.pk)) {
      const relation = relations[row.relation];
      if (!(await permissions.hasOnObject(actor, `${relation.app}.view_${relation.model}`, row.pk))) continue;
      items.push({
        app: relation.app,
        model_name: relation.model,
        pk: row.pk,
        name: relation.name(row.name),
        action: relation.action,
      });
    }
    return items;
  }
}
