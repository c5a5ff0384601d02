/**
 * Role wire shapes (authentik/rbac/api/roles.py RoleSerializer): a role is a name that holds
 * permissions and is given to users and groups.
 */
import { Type, type Static } from '@sinclair/typebox';
import { component, paginated } from '../api/schemas.js';

export const Role = component(
  'Role',
  Type.Object(
    {
      pk: Type.String({ format: 'uuid', readOnly: true, title: 'Uuid' }),
      name: Type.String(),
    },
    { description: 'Role serializer' },
  ),
);
export type RoleBody = Static<typeof Role>;

export const RoleRequest = component(
  'RoleRequest',
  Type.Object({ name: Type.String({ minLength: 1 }) }, { description: 'Role serializer' }),
);
export type RoleInput = Static<typeof RoleRequest>;

export const PatchedRoleRequest = component(
  'PatchedRoleRequest',
  Type.Object({ name: Type.Optional(Type.String({ minLength: 1 })) }, { description: 'Role serializer' }),
);

export const PaginatedRoleList = paginated(Role);

/** Body of add_user/remove_user on roles (RoleViewSet.UserAccountSerializerForRole). */
export const UserAccountSerializerForRoleRequest = component(
  'UserAccountSerializerForRoleRequest',
  Type.Object({ pk: Type.Integer() }, { description: 'Account adding/removing operations' }),
);

export const RoleUuidParams = Type.Object({
  uuid: Type.String({ format: 'uuid', description: 'A UUID string identifying this Role.' }),
});

export const RoleListQuery = Type.Object({
  groups: Type.Optional(Type.String({ format: 'uuid' })),
  inherited: Type.Optional(
    Type.Boolean({ description: 'Include inherited roles (requires users or groups filter)' }),
  ),
  managed: Type.Optional(Type.Array(Type.String())),
  managed__isnull: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
  users: Type.Optional(Type.Integer()),
});
