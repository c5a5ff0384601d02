/** `/api/v3/core/users/`: authentik's UserViewSet (the actions Tessera implements). */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { UserService } from './user.service.js';
import {
  PaginatedUserList,
  PatchedUserRequest,
  SessionUser,
  User,
  UserIdParams,
  UserListQuery,
  UserPasswordSetRequest,
  UserRequest,
} from './user.schema.js';

const base = '/core/users/';
const detail = `${base}:id/`;
const common = { description: 'User Viewset', tags: ['core'] };
/** UserViewSet also accepts AgentAuth, which authentik documents as a second scheme. */
export const USER_SECURITY: Record<string, string[]>[] = [{ authentik: [] }, { authentik_device_auth: [] }];

export function userRoutes(service: UserService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'core_users_list',
      security: USER_SECURITY,
      querystring: UserListQuery,
      success: { status: 200, schema: ref(PaginatedUserList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'core_users_create',
      security: USER_SECURITY,
      requires: 'authentik_core.add_user',
      body: ref(UserRequest),
      success: { status: 201, schema: ref(User) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}me/`,
      operationId: 'core_users_me_retrieve',
      description: 'Get information about current user',
      tags: ['core'],
      security: USER_SECURITY,
      success: { status: 200, schema: ref(SessionUser) },
      handler: ({ ctx }) => service.me(ctx),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'core_users_retrieve',
      security: USER_SECURITY,
      params: UserIdParams,
      success: { status: 200, schema: ref(User) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.id),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'core_users_update',
      security: USER_SECURITY,
      params: UserIdParams,
      body: ref(UserRequest),
      success: { status: 200, schema: ref(User) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.id, body, false),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'core_users_partial_update',
      security: USER_SECURITY,
      params: UserIdParams,
      body: ref(PatchedUserRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(User) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.id, body, true),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'core_users_destroy',
      security: USER_SECURITY,
      params: UserIdParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.id),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}set_password/`,
      operationId: 'core_users_set_password_create',
      description: 'Set password for user',
      tags: ['core'],
      security: USER_SECURITY,
      params: UserIdParams,
      body: ref(UserPasswordSetRequest),
      badRequest: 'Bad request',
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.setPassword(ctx, params.id, body.password),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'core_users_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['core'],
      security: USER_SECURITY,
      params: UserIdParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.id),
    }),
  ];
}

export const userViews = {
  [base]: { name: 'User List', description: 'User Viewset' },
  [detail]: { name: 'User Instance', description: 'User Viewset' },
  [`${base}me/`]: { name: 'User Me', description: 'Get information about current user' },
  [`${detail}set_password/`]: { name: 'Set password', description: 'Set password for user' },
  [`${detail}used_by/`]: { name: 'Used by', description: 'Get a list of all objects that use this object' },
};
