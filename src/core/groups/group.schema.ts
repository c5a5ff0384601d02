/**
 * Group wire shapes, in authentik's field order (authentik/core/api/groups.py GroupSerializer,
 * RelatedGroupSerializer, GroupViewSet.UserAccountSerializer).
 */
import { Type, type Static } from '@sinclair/typebox';
import { JsonObject, Nullable, ReadOnly, component, ref, modelSchemas } from '../../api/schemas.js';
import { Role } from '../../rbac/role.schema.js';
import { PartialUser } from '../users/partial-user.schema.js';

const superuserFlag = Type.Boolean({ description: 'Users added to this group will be superusers.' });

export const RelatedGroup = component(
  'RelatedGroup',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Group uuid' })),
      name: Type.String(),
      is_superuser: Type.Optional(superuserFlag),
      attributes: Type.Optional(JsonObject()),
      group_uuid: ReadOnly(Type.String({ format: 'uuid' })),
    },
    { description: 'Stripped down group serializer to show relevant children/parents for groups' },
  ),
);

export const Group = component(
  'Group',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Group uuid' })),
      num_pk: ReadOnly(Type.Integer()),
      name: Type.String(),
      is_superuser: Type.Optional(superuserFlag),
      parents: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
      parents_obj: ReadOnly(Nullable(Type.Array(ref(RelatedGroup)))),
      users: Type.Optional(Type.Array(Type.Integer())),
      users_obj: ReadOnly(Nullable(Type.Array(ref(PartialUser)))),
      attributes: Type.Optional(JsonObject()),
      roles: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
      roles_obj: ReadOnly(Type.Array(ref(Role))),
      inherited_roles_obj: ReadOnly(Nullable(Type.Array(ref(Role)))),
      children: ReadOnly(Type.Array(Type.String({ format: 'uuid' }))),
      children_obj: ReadOnly(Nullable(Type.Array(ref(RelatedGroup)))),
    },
    { description: 'Group Serializer' },
  ),
);
export type GroupBody = Static<typeof Group>;

/** A PrimaryKeyRelatedField(many=True) over UUID keys, with DRF's related-field errors. */
const uuidPkList = () =>
  Type.Array(Type.String({ format: 'uuid', 'x-drf-pk': 'uuid' }), { 'x-drf-many-related': true });

const requestProperties = {
  name: Type.String({ minLength: 1 }),
  is_superuser: Type.Optional(superuserFlag),
  parents: Type.Optional(uuidPkList()),
  users: Type.Optional(Type.Array(Type.Integer(), { 'x-drf-many-related': true })),
  attributes: Type.Optional(JsonObject()),
  roles: Type.Optional(uuidPkList()),
};

export const [GroupRequest, PatchedGroupRequest, PaginatedGroupList] = modelSchemas(Group, requestProperties);
export type GroupInput = Static<typeof GroupRequest>;

export const UserAccountRequest = component(
  'UserAccountRequest',
  Type.Object({ pk: Type.Integer() }, { description: 'Account adding/removing operations' }),
);

export const GroupUuidParams = Type.Object({
  group_uuid: Type.String({ format: 'uuid', description: 'A UUID string identifying this Group.' }),
});

/** GroupSerializer's `include_*` switches, read on retrieve (the list documents them too). */
export const GroupRetrieveQuery = Type.Object({
  include_children: Type.Optional(Type.Boolean({ default: false })),
  include_inherited_roles: Type.Optional(Type.Boolean({ default: false })),
  include_parents: Type.Optional(Type.Boolean({ default: false })),
  include_users: Type.Optional(Type.Boolean({ default: true })),
});
