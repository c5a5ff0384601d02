/**
 * Roles (authentik/rbac/api/roles.py RoleViewSet): CRUD, used_by, add_user/remove_user.
 */
import type { Db } from '../db/client.js';
import type { Actor, RequestContext } from '../api/context.js';
import { requireActor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import { parseUuid } from '../api/filters.js';
import type { UsedByItem } from '../api/schemas.js';
import { ModelViewSet, type ViewSetDeps } from '../api/viewset.js';
import type { PermissionService } from './permission.service.js';
import { PrivilegeService } from './privilege.service.js';
import { createRoleRepository, roleList, type RoleRow } from './role.repository.js';
import type { RoleBody, RoleInput } from './role.schema.js';
import { groupDisplayName } from '../db/group-identity.js';

/**
 * A user given by pk in an add_user/remove_user body, looked up among the users the caller may
 * view (`get_objects_for_user(request.user, "authentik_core.view_user")`); anything else is
 * Django's Http404, DRF's "Not found.".
 */
export async function visibleUserPk(
  permissions: PermissionService,
  actor: Actor,
  pk: number,
  exists: (pk: number) => Promise<boolean>,
): Promise<number> {
  if (
    !Number.isSafeInteger(pk) ||
    Math.abs(pk) > 2147483647 ||
    !(await permissions.hasOnObject(actor, 'authentik_core.view_user', String(pk))) ||
    !(await exists(pk))
  ) {
    throw ApiError.notFound();
  }
  return pk;
}

async function assertNameFree(db: Db, name: string, exceptPk?: string): Promise<void> {
  if (await createRoleRepository(db).nameTaken(name, exceptPk)) {
    throw ApiError.field('name', Messages.uniqueName('Role'));
  }
}

/** The viewset's dependencies, with rbac's own permission service for the privilege checks. */
export type RoleServiceDeps = ViewSetDeps & { permissions: PermissionService };

export class RoleService extends ModelViewSet<RoleRow, RoleBody, RoleInput> {
  private readonly permissions: PermissionService;
  private readonly privileges: PrivilegeService;

  constructor(deps: RoleServiceDeps) {
    super(deps, {
      model: 'authentik_rbac.role',
      objectName: 'Role',
      list: roleList,
      async insert(tx, input) {
        await assertNameFree(tx, input.name);
        return createRoleRepository(tx).insert(input.name);
      },
      async update(tx, current, input) {
        if (input.name === undefined) return;
        await assertNameFree(tx, input.name, current.pk);
        await createRoleRepository(tx).rename(current.pk, input.name);
      },
      delete: (tx, current) => createRoleRepository(tx).delete(current.pk),
      usedBy: (actor, current) => this.usages(actor, current),
    });
    this.permissions = deps.permissions;
    this.privileges = new PrivilegeService(deps.permissions);
  }

  /** get_object() of an action with `filter_backends=[]`: no permission filter, only existence. */
  async findUnfiltered(rawPk: string): Promise<RoleRow> {
    const pk = parseUuid(rawPk);
    if (pk === undefined) throw ApiError.notFound();
    const row = await roleList.find<RoleRow>(this.deps.db, pk);
    if (!row) throw ApiError.notFound(Messages.noMatch('Role'));
    return row;
  }

  /** used_by: the groups and users holding the role (many-to-many), sorted by relation name. */
  private async usages(actor: Actor, current: RoleRow): Promise<UsedByItem[]> {
    const items: UsedByItem[] = [];
    for (const row of await createRoleRepository(this.deps.db).usages(current.pk)) {
      if (row.kind === 'group') {
        if (!(await this.permissions.hasOnObject(actor, 'authentik_core.view_group', row.pk))) continue;
        const name = groupDisplayName(row.name);
        items.push({ app: 'authentik_core', model_name: 'group', pk: row.pk, name, action: 'cascade_many' });
      } else {
        if (!(await this.permissions.hasOnObject(actor, 'authentik_core.view_user', row.pk))) continue;
        items.push({
          app: 'authentik_core',
          model_name: 'user',
          pk: row.pk,
          name: row.name,
          action: 'cascade_many',
        });
      }
    }
    return items;
  }

  /**
   * add_user / remove_user: `change_role` globally or on the role (the role is looked up
   * without the permission filter), then the user among those the caller may view. authentik's
   * audit middleware logs many-to-many changes of users and groups only, so no event is written.
   */
  async membership(ctx: RequestContext, rawPk: string, userPk: number, add: boolean): Promise<void> {
    const actor = requireActor(ctx);
    const role = await this.findUnfiltered(rawPk);
    await this.permissions.requireOnObject(actor, this.permission.change, role.pk);
    // Giving the role gives every grant it carries: the caller must hold all of them.
    if (add) {
      const refusal = await this.privileges.roles(this.deps.db, actor, [role.pk]);
      if (refusal !== null) throw PrivilegeService.forbidden(refusal);
    }
    const repository = createRoleRepository(this.deps.db);
    const pk = await visibleUserPk(this.permissions, actor, userPk, (id) => repository.userExists(id));
    if (add) await repository.addUser(role.pk, pk);
    else await repository.removeUser(role.pk, pk);
  }
}
