/**
 * Roles (authentik/rbac/api/roles.py RoleViewSet): CRUD, used_by, add_user/remove_user.
 */
import { listScope, pageOf } from '../api/list.js';
import type { Db } from '../db/client.js';
import type { Actor, RequestContext } from '../api/context.js';
import { requireActor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import { lastValue, parseUuid, type RawQuery } from '../api/filters.js';
import { lookupVisible } from '../api/lookup.js';
import { readOrdering } from '../api/ordering.js';
import type { Page, PageSizeSettings } from '../api/pagination.js';
import { pythonInt } from '../api/python-numbers.js';
import type { UsedByItem } from '../api/schemas.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from './permission.service.js';
import { PrivilegeService } from './privilege.service.js';
import { ROLE_ORDER_FIELDS, createRoleRepository, type RoleFilter, type RoleRow } from './role.repository.js';
import type { RoleBody, RoleInput } from './role.schema.js';
import { groupDisplayName } from '../db/group-identity.js';

export const ROLE_PERMISSION = {
  view: 'authentik_rbac.view_role',
  add: 'authentik_rbac.add_role',
  change: 'authentik_rbac.change_role',
  delete: 'authentik_rbac.delete_role',
} as const;

const INVALID_MODEL_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';

export function roleRef(row: RoleRow) {
  return { app: 'authentik_rbac', model_name: 'role', pk: row.pk, name: row.name };
}

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

export class RoleService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly pageDefaults: PageSizeSettings,
    private readonly privileges: PrivilegeService = new PrivilegeService(permissions),
  ) {}

  async list(ctx: RequestContext, query: RawQuery): Promise<Page<RoleBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      ROLE_PERMISSION.view,
    );
    const repository = createRoleRepository(this.db);
    const filter: RoleFilter = {
      name: filters.text('name'),
      inherited: filters.boolean('inherited'),
      managedIsNull: filters.boolean('managed__isnull'),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, ROLE_ORDER_FIELDS, ['name']),
    };
    // ModelChoiceFilters: an unparsable or unknown key is Django's invalid_choice.
    const groupRaw = lastValue(query, 'groups');
    if (groupRaw !== undefined && groupRaw !== '') {
      const pk = parseUuid(groupRaw);
      if (pk === undefined || !(await repository.groupExists(pk)))
        filters.fail('groups', INVALID_MODEL_CHOICE);
      else filter.group = pk;
    }
    const userRaw = lastValue(query, 'users');
    if (userRaw !== undefined && userRaw !== '') {
      const pk = pythonInt(userRaw);
      if (pk === undefined || Math.abs(pk) > 2147483647 || !(await repository.userExists(pk))) {
        filters.fail('users', INVALID_MODEL_CHOICE);
      } else filter.user = pk;
    }
    // AllValuesMultipleFilter on `managed`: the choices are the values in use, and no Tessera
    // role is managed, so any value is an invalid choice.
    const managed = ([] as string[]).concat(query.managed ?? []).filter((v) => v !== '');
    if (managed.length > 0) {
      filters.fail('managed', `Select a valid choice. ${managed[0]} is not one of the available choices.`);
      filter.managedOnly = true;
    }
    filters.finish();
    return pageOf(repository, filter, query, this.pageDefaults);
  }

  async find(actor: Actor, rawPk: string): Promise<RoleRow> {
    const repository = createRoleRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: ROLE_PERMISSION.view,
      modelName: 'Role',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  /** get_object() of an action with `filter_backends=[]`: no permission filter, only existence. */
  async findUnfiltered(rawPk: string): Promise<RoleRow> {
    const pk = parseUuid(rawPk);
    if (pk === undefined) throw ApiError.notFound();
    const row = await createRoleRepository(this.db).findByPk(pk);
    if (!row) throw ApiError.notFound(Messages.noMatch('Role'));
    return row;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<RoleBody> {
    return this.find(requireActor(ctx), rawPk);
  }

  private async assertNameFree(db: Db, name: string, exceptPk?: string): Promise<void> {
    if (await createRoleRepository(db).nameTaken(name, exceptPk)) {
      throw ApiError.field('name', Messages.uniqueName('Role'));
    }
  }

  async create(ctx: RequestContext, input: RoleInput): Promise<RoleBody> {
    return this.db.transaction(async (tx) => {
      await this.assertNameFree(tx, input.name);
      const repository = createRoleRepository(tx);
      const pk = await repository.insert(input.name);
      const row = (await repository.findByPk(pk)) as RoleRow;
      await this.events.model(tx, ctx, 'model_created', roleRef(row));
      return row;
    });
  }

  async update(ctx: RequestContext, rawPk: string, input: Partial<RoleInput>): Promise<RoleBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, ROLE_PERMISSION.change, current.pk);
    return this.db.transaction(async (tx) => {
      const repository = createRoleRepository(tx);
      if (input.name !== undefined) {
        await this.assertNameFree(tx, input.name, current.pk);
        await repository.rename(current.pk, input.name);
      }
      const row = (await repository.findByPk(current.pk)) as RoleRow;
      await this.events.model(tx, ctx, 'model_updated', roleRef(row));
      return row;
    });
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, ROLE_PERMISSION.delete, current.pk);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      await this.events.model(tx, ctx, 'model_deleted', roleRef(current));
      if (!(await createRoleRepository(tx).delete(current.pk)))
        throw ApiError.notFound(Messages.noMatch('Role'));
    });
  }

  /** used_by: the groups and users holding the role (many-to-many), sorted by relation name. */
  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    const items: UsedByItem[] = [];
    for (const row of await createRoleRepository(this.db).usages(current.pk)) {
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
    await this.permissions.requireOnObject(actor, ROLE_PERMISSION.change, role.pk);
    // Giving the role gives every grant it carries: the caller must hold all of them.
    if (add) {
      const refusal = await this.privileges.roles(this.db, actor, [role.pk]);
      if (refusal !== null) throw PrivilegeService.forbidden(refusal);
    }
    const repository = createRoleRepository(this.db);
    const pk = await visibleUserPk(this.permissions, actor, userPk, (id) => repository.userExists(id));
    if (add) await repository.addUser(role.pk, pk);
    else await repository.removeUser(role.pk, pk);
  }
}
