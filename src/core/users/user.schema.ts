/**
 * User wire shapes, in authentik's field order (authentik/core/api/users.py UserSerializer,
 * UserSelfSerializer, SessionUserSerializer, PartialGroupSerializer, UserPasswordSetSerializer).
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  JsonObject,
  Nullable,
  ReadOnly,
  StringEnum,
  component,
  ref,
  modelSchemas,
} from '../../api/schemas.js';
import { Role } from '../../rbac/role.schema.js';
import { userFields } from './partial-user.schema.js';

export const USER_TYPES = ['internal', 'external', 'service_account', 'internal_service_account'] as const;
export type UserType = (typeof USER_TYPES)[number];
export const UserTypeEnum = StringEnum('UserTypeEnum', USER_TYPES);

export const PartialGroup = component(
  'PartialGroup',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Group uuid' })),
      num_pk: ReadOnly(Type.Integer({ description: 'Get a numerical, int32 ID for the group' })),
      name: Type.String(),
      is_superuser: Type.Optional(
        Type.Boolean({ description: 'Users added to this group will be superusers.' }),
      ),
      attributes: Type.Optional(JsonObject()),
    },
    { description: 'Partial Group Serializer, does not include child relations.' },
  ),
);
export type PartialGroupBody = Static<typeof PartialGroup>;

const { isActive, email, name: displayName } = userFields;

export const User = component(
  'User',
  Type.Object(
    {
      pk: ReadOnly(Type.Integer({ title: 'ID' })),
      username: Type.String({ maxLength: 150 }),
      name: displayName,
      is_active: Type.Optional(isActive),
      last_login: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
      date_joined: ReadOnly(Type.String({ format: 'date-time' })),
      is_superuser: ReadOnly(Type.Boolean()),
      groups: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
      groups_obj: ReadOnly(Nullable(Type.Array(ref(PartialGroup)))),
      roles: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
      roles_obj: ReadOnly(Nullable(Type.Array(ref(Role)))),
      email: Type.Optional(email),
      avatar: ReadOnly(Type.String({ description: "User's avatar, either a http/https URL or a data URI" })),
      attributes: Type.Optional(JsonObject()),
      uid: ReadOnly(Type.String()),
      path: Type.Optional(Type.String()),
      type: Type.Optional(ref(UserTypeEnum)),
      uuid: ReadOnly(Type.String({ format: 'uuid' })),
      password_change_date: ReadOnly(Type.String({ format: 'date-time' })),
      last_updated: ReadOnly(Type.String({ format: 'date-time' })),
    },
    { description: 'User Serializer' },
  ),
);
export type UserBody = Static<typeof User>;

/** A PrimaryKeyRelatedField(many=True) over UUID keys, with DRF's related-field errors. */
const uuidPkList = () =>
  Type.Array(Type.String({ format: 'uuid', 'x-drf-pk': 'uuid' }), { 'x-drf-many-related': true });

const requestProperties = {
  username: Type.String({ minLength: 1, maxLength: 150 }),
  name: displayName,
  is_active: Type.Optional(isActive),
  last_login: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  groups: Type.Optional(uuidPkList()),
  roles: Type.Optional(uuidPkList()),
  email: Type.Optional(email),
  attributes: Type.Optional(JsonObject()),
  path: Type.Optional(Type.String({ minLength: 1 })),
  type: Type.Optional(ref(UserTypeEnum)),
};

export const [UserRequest, PatchedUserRequest, PaginatedUserList] = modelSchemas(User, requestProperties);
export type UserInput = Static<typeof UserRequest>;

const nameAndPk = { name: ReadOnly(Type.String()), pk: ReadOnly(Type.String()) };
export const UserSelfGroups = component('UserSelfGroups', Type.Object(nameAndPk));
export const UserSelfRoles = component('UserSelfRoles', Type.Object(nameAndPk));

export const UserSelf = component(
  'UserSelf',
  Type.Object(
    {
      pk: ReadOnly(Type.Integer({ title: 'ID' })),
      username: userFields.username,
      name: displayName,
      is_active: ReadOnly(isActive),
      is_superuser: ReadOnly(Type.Boolean()),
      is_current: ReadOnly(
        Type.Boolean({ description: 'Return whether this user owns the current browser session.' }),
      ),
      groups: ReadOnly(Type.Array(ref(UserSelfGroups))),
      roles: ReadOnly(Type.Array(ref(UserSelfRoles))),
      email: Type.Optional(email),
      avatar: ReadOnly(Type.String({ description: "User's avatar, either a http/https URL or a data URI" })),
      uid: ReadOnly(Type.String()),
      settings: ReadOnly(
        JsonObject({ description: 'Get user settings with brand and group settings applied' }),
      ),
      type: Type.Optional(ref(UserTypeEnum)),
      system_permissions: ReadOnly(
        Type.Array(Type.String(), { description: 'Get all system permissions assigned to the user' }),
      ),
    },
    { description: 'User Serializer for information a user can retrieve about themselves' },
  ),
);
export type UserSelfBody = Static<typeof UserSelf>;

export const SessionUser = component(
  'SessionUser',
  Type.Object(
    {
      user: ref(UserSelf),
      original: Type.Optional(ref(UserSelf)),
      users: Type.Array(ref(UserSelf)),
    },
    {
      description:
        'Response for the /user/me endpoint, returns the currently active user (as `user` property)\nand, if this user is being impersonated, the original user in the `original` property.',
    },
  ),
);

export const UserPasswordSetRequest = component(
  'UserPasswordSetRequest',
  Type.Object(
    { password: Type.String({ minLength: 1 }) },
    { description: "Payload to set a users' password directly" },
  ),
);

export const UserIdParams = Type.Object({
  id: Type.Integer({ description: 'A unique integer value identifying this User.' }),
});
