/**
 * The permission API (authentik/rbac/api/rbac.py RBACPermissionViewSet,
 * rbac_assigned_by_roles.py RoleAssignedPermissionViewSet, rbac_roles.py RolePermissionViewSet):
 * the catalogue, and assigning permissions to roles globally or on one object.
 */
import type { Db } from '../db/client.js';
import type { RequestContext } from '../api/context.js';
import { requireActor } from '../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../api/errors.js';
import { FilterReader, type RawQuery } from '../api/filters.js';
import { paginate, readPage, type Page, type PageSizeSettings } from '../api/pagination.js';
import { pythonInt } from '../api/python-numbers.js';
import { listPage } from '../api/viewset.js';
import { readSearch } from '../api/search.js';
import type { EventService } from '../events/event.service.js';
import { maskInvitationToken } from '../events/invitation-token.js';
import type { PermissionService } from './permission.service.js';
import { PrivilegeService } from './privilege.service.js';
import { appVerboseName, modelVerboseName } from './permission-catalogue.js';
import { OBJECT_MODELS, normalizeObjectPk } from './object-registry.js';
import {
  assignedRolesList,
  createRbacPermissionRepository,
  permissionList,
  type GrantRow,
  type PermissionRow,
} from './rbac-permission.repository.js';
import type { PermissionBody, PermissionAssignInput } from './rbac-permission.schema.js';
import type { RoleService } from './role.service.js';

export const RBAC_PERMISSION = {
  assign: 'authentik_rbac.assign_role_permissions',
  unassign: 'authentik_rbac.unassign_role_permissions',
  viewRole: 'authentik_rbac.view_role',
} as const;

export type PermissionListRequest = ReturnType<typeof permissionList.parse>;
export type AssignedRolesRequest = ReturnType<typeof assignedRolesList.parse>;

interface AssignedRolesRow {
  role_pk: string;
  name: string;
  object_permissions: GrantRow[];
  model_permissions: Omit<GrantRow, 'object_pk'>[];
}

export function presentPermission(row: PermissionRow): PermissionBody {
  return {
    id: row.id,
    name: row.name,
    codename: row.codename,
    model: row.model,
    app_label: row.app_label,
    app_label_verbose: appVerboseName(row.app_label, row.model),
    model_verbose: modelVerboseName(row.app_label, row.model),
  };
}

interface ResolvedAssignment {
  permissions: PermissionRow[];
  /** null for a global assignment. */
  objectPk: string | null;
}

export class RbacPermissionService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly roles: RoleService,
    readonly pageSizes: PageSizeSettings,
    private readonly privileges: PrivilegeService = new PrivilegeService(permissions),
  ) {}

  /**
   * The catalogue: any authenticated user may read it (permission_classes = IsAuthenticated,
   * no permission filter).
   */
  async list(ctx: RequestContext, request: PermissionListRequest): Promise<Page<PermissionBody>> {
    requireActor(ctx);
    return listPage(this.db, permissionList, request, undefined, presentPermission);
  }

  /**
   * Not the generic viewset's lookup: the key is an integer and no permission filter runs, so
   * a malformed id is DRF's "Not found." and any other miss Django's "No Permission matches".
   */
  async retrieve(ctx: RequestContext, rawId: string): Promise<PermissionBody> {
    requireActor(ctx);
    const id = pythonInt(rawId);
    if (id === undefined || Math.abs(id) > 2147483647) throw ApiError.notFound();
    const row = await permissionList.find<PermissionRow>(this.db, id);
    if (!row) throw ApiError.notFound(Messages.noMatch('Permission'));
    return presentPermission(row);
  }

  /**
   * `assigned_by_roles`: the roles holding any permission of `model` globally, or on
   * `object_pk`, each with all its grants. The role list is permission-filtered (view_role).
   */
  async assignedByRoles(ctx: RequestContext, request: AssignedRolesRequest) {
    const visibility = await this.permissions.visibility(requireActor(ctx), RBAC_PERMISSION.viewRole);
    return listPage(
      this.db,
      assignedRolesList,
      request,
      visibility.all ? undefined : visibility.pks,
      (row: AssignedRolesRow) => row,
    );
  }

  /**
   * PermissionAssignSerializer plus what guardian would otherwise answer with a 500: every
   * permission must exist (and, for an object, belong to `model`), and the object must exist.
   * authentik would grant globally when the object is missing; Tessera refuses
   * (docs/compatibility.md).
   */
  private async resolve(input: Partial<PermissionAssignInput>): Promise<ResolvedAssignment> {
    if (input.permissions === undefined) throw ApiError.field('permissions', Messages.required);
    const hasModel = input.model !== undefined;
    const hasObject = input.object_pk !== undefined;
    if (hasModel !== hasObject) throw ApiError.nonField('The fields model, object_pk must be used together.');
    if (!hasModel && !input.permissions.every((p) => p.includes('.'))) {
      throw ApiError.field(
        'permissions',
        'When assigning global permissions, codename must be given as app_label.codename',
      );
    }
    const repository = createRbacPermissionRepository(this.db);
    const codenames = input.permissions.map((p) => p.slice(p.indexOf('.') + 1));
    const known = await repository.permissionsByCodename(codenames);
    const [modelApp, modelName] = (input.model ?? '.').split('.');
    const errors: FieldErrors = {};
    const resolved: PermissionRow[] = [];
    input.permissions.forEach((permission, index) => {
      const dot = permission.indexOf('.');
      const app = dot === -1 ? modelApp : permission.slice(0, dot);
      const codename = permission.slice(dot + 1);
      const row = known.find(
        (k) =>
          k.codename === codename &&
          k.app_label === app &&
          (!hasModel || (k.app_label === modelApp && k.model === modelName)),
      );
      if (row) resolved.push(row);
      else errors[String(index)] = [Messages.invalidChoice(permission)];
    });
    if (Object.keys(errors).length > 0) throw ApiError.validation({ permissions: errors });
    let objectPk: string | null = null;
    if (hasModel) {
      const objectModel = OBJECT_MODELS[input.model as string];
      const normalized = objectModel ? normalizeObjectPk(objectModel, input.object_pk as string) : undefined;
      if (normalized === undefined || !(await repository.objectExists(input.model as string, normalized))) {
        throw ApiError.field('object_pk', Messages.pkDoesNotExist(input.object_pk));
      }
      objectPk = normalized;
    }
    return { permissions: [...new Map(resolved.map((r) => [r.id, r])).values()], objectPk };
  }

  /** `assign`: `assign_role_permissions` globally or on the role; 200 with the grant ids. */
  async assign(ctx: RequestContext, rawRolePk: string, input: PermissionAssignInput) {
    const actor = requireActor(ctx);
    const role = await this.roles.findUnfiltered(rawRolePk);
    await this.permissions.requireOnObject(actor, RBAC_PERMISSION.assign, role.pk);
    const assignment = await this.resolve(input);
    // Everyone holding the role gains the permissions: the caller must hold each of them, on
    // the object for an object-level assignment (a global grant covers every object).
    const refusal = await this.privileges.permissionsOf(
      actor,
      assignment.permissions.map((p) => ({
        permission: `${p.app_label}.${p.codename}`,
        objectPk: assignment.objectPk,
      })),
    );
    if (refusal !== null) throw PrivilegeService.forbidden(refusal);
    return this.db.transaction(async (tx) => {
      const repository = createRbacPermissionRepository(tx);
      const ids: { id: string }[] = [];
      for (const permission of assignment.permissions) {
        const grant = await repository.grantToRole(role.pk, permission.id, assignment.objectPk);
        ids.push({ id: String(grant.id) });
        if (grant.created)
          await this.events.model(
            tx,
            ctx,
            'model_created',
            grantRef(grant.id, assignment.objectPk, permission),
          );
      }
      return ids;
    });
  }

  /** `unassign`: `unassign_role_permissions` globally or on the role; 204. */
  async unassign(
    ctx: RequestContext,
    rawRolePk: string,
    input: Partial<PermissionAssignInput>,
  ): Promise<void> {
    const actor = requireActor(ctx);
    const role = await this.roles.findUnfiltered(rawRolePk);
    await this.permissions.requireOnObject(actor, RBAC_PERMISSION.unassign, role.pk);
    const assignment = await this.resolve(input);
    await this.db.transaction(async (tx) => {
      const repository = createRbacPermissionRepository(tx);
      for (const permission of assignment.permissions) {
        for (const id of await repository.revokeFromRole(role.pk, permission.id, assignment.objectPk)) {
          await this.events.model(tx, ctx, 'model_deleted', grantRef(id, assignment.objectPk, permission));
        }
      }
    });
  }

  /**
   * `/rbac/permissions/roles/`: object-level grants of roles (of one role with `uuid`). The
   * view's queryset is guardian's RoleObjectPermission, whose view permission no role can hold
   * in Tessera's catalogue: only superusers see it, everyone else gets the filter's 403.
   * Not a list declaration: its order is fixed (role name, then grant id) whatever `ordering`
   * says, and each row needs the object's description read on its own.
   */
  async roleObjectPermissions(ctx: RequestContext, query: RawQuery) {
    const actor = requireActor(ctx);
    readSearch(query);
    if (!actor.user.is_superuser) throw ApiError.forbidden();
    const filters = new FilterReader(query);
    const uuid = filters.uuid('uuid');
    filters.finish();
    const repository = createRbacPermissionRepository(this.db);
    const page = await paginate(
      readPage(query, this.pageSizes),
      (limit, offset) => repository.listRoleObjectPermissions(uuid, false, limit, offset),
      () => repository.countRoleObjectPermissions(uuid),
    );
    const results = [];
    for (const row of page.results) {
      const modelKey = `${row.app_label}.${row.model}`;
      // Shown only when the role may view the object (authentik's get_object_description).
      const canView = await repository.roleCanView(row.role_uuid, row.app_label, row.model, row.object_pk);
      results.push({
        id: Number(row.id),
        codename: row.codename,
        model: row.model,
        app_label: row.app_label,
        object_pk: row.object_pk,
        name: row.name,
        app_label_verbose: appVerboseName(row.app_label, row.model),
        model_verbose: modelVerboseName(row.app_label, row.model),
        object_description: canView ? await repository.objectDescription(modelKey, row.object_pk) : null,
      });
    }
    return { ...page, results };
  }
}

const INVITATION_APP = 'authentik_stages_invitation';

/**
 * The audit reference of a grant (guardian's RoleModelPermission / RoleObjectPermission). A
 * grant on one invitation names it masked: the invitation's pk is its token, and authentik
 * would write it in clear here too.
 */
function grantRef(id: number, rawObjectPk: string | null, permission: PermissionRow) {
  const objectPk =
    rawObjectPk !== null && permission.app_label === INVITATION_APP && permission.model === 'invitation'
      ? maskInvitationToken(rawObjectPk)
      : rawObjectPk;
  return {
    app: 'guardian',
    model_name: objectPk === null ? 'rolemodelpermission' : 'roleobjectpermission',
    pk: id,
    name: `${permission.app_label}.${permission.codename}${objectPk === null ? '' : ` on ${objectPk}`}`,
  };
}
