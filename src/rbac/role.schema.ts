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
