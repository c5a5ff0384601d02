/**
 * Permission wire shapes (authentik/rbac/api/rbac.py PermissionSerializer and
 * PermissionAssignSerializer, rbac_assigned_by_roles.py, rbac_roles.py).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ReadOnly, component, paginated, ref, requestComponents } from '../api/schemas.js';
import { ModelEnum } from './model-enum.js';

export const Permission = component(
  'Permission',
  Type.Object(
    {
      id: ReadOnly(Type.Integer()),
      name: Type.String({ maxLength: 255 }),
      codename: Type.String({ maxLength: 100 }),
      model: ReadOnly(Type.String({ title: 'Python model class name' })),
      app_label: ReadOnly(Type.String()),
      app_label_verbose: ReadOnly(Type.String({ description: 'Human-readable app label' })),
      model_verbose: ReadOnly(Type.String({ description: 'Human-readable model name' })),
    },
    { description: 'Global permission' },
  ),
);
export type PermissionBody = Static<typeof Permission>;
export const PaginatedPermissionList = paginated(Permission);

const assignProperties = {
  permissions: Type.Array(Type.String({ minLength: 1 })),
  model: Type.Optional(ref(ModelEnum)),
  object_pk: Type.Optional(Type.String({ minLength: 1 })),
};

export const { request: PermissionAssignRequest, patched: PatchedPermissionAssignRequest } =
  requestComponents('PermissionAssign', assignProperties, 'Request to assign a new permission');
export type PermissionAssignInput = Static<typeof PermissionAssignRequest>;

export const PermissionAssignResult = component(
  'PermissionAssignResult',
  Type.Object({ id: Type.String() }, { description: 'Result from assigning permissions to a user/role' }),
);

const grantProperties = {
  id: ReadOnly(Type.Integer()),
  codename: ReadOnly(Type.String()),
  model: ReadOnly(Type.String({ title: 'Python model class name' })),
  app_label: ReadOnly(Type.String()),
};

export const RoleObjectPermission = component(
  'RoleObjectPermission',
  Type.Object(
    { ...grantProperties, object_pk: Type.String(), name: ReadOnly(Type.String()) },
    { description: 'Role-bound object level permission' },
  ),
);

export const RoleModelPermission = component(
  'RoleModelPermission',
  Type.Object(
    { ...grantProperties, name: ReadOnly(Type.String()) },
    { description: 'Role-bound object level permission' },
  ),
);

export const RoleAssignedObjectPermission = component(
  'RoleAssignedObjectPermission',
  Type.Object(
    {
      role_pk: ReadOnly(Type.String()),
      name: ReadOnly(Type.String()),
      object_permissions: Type.Array(ref(RoleObjectPermission)),
      model_permissions: Type.Array(ref(RoleModelPermission)),
    },
    { description: 'Roles assigned object permission serializer' },
  ),
);
export const PaginatedRoleAssignedObjectPermissionList = paginated(RoleAssignedObjectPermission);

export const ExtraRoleObjectPermission = component(
  'ExtraRoleObjectPermission',
  Type.Object(
    {
      ...grantProperties,
      object_pk: Type.String(),
      name: ReadOnly(Type.String()),
      app_label_verbose: ReadOnly(Type.String({ description: "Get app label from permission's model" })),
      model_verbose: ReadOnly(Type.String({ description: "Get model label from permission's model" })),
      object_description: ReadOnly(
        Nullable(
          Type.String({
            description:
              'Get model description from attached model. This operation takes at least\none additional query, and the description is only shown if the role has the\nview_ permission on the object',
          }),
        ),
      ),
    },
    { description: 'Role permission with additional object-related data' },
  ),
);
export const PaginatedExtraRoleObjectPermissionList = paginated(ExtraRoleObjectPermission);

const listParams = {
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
};

export const RolePermissionsQuery = Type.Object({
  ...listParams,
  uuid: Type.Optional(Type.String({ format: 'uuid' })),
});

export const PermissionIdParams = Type.Object({
  id: Type.Integer({ description: 'A unique integer value identifying this permission.' }),
});
