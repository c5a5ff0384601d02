/** `/api/v3/core/users/`: authentik's UserViewSet (the actions Tessera implements). */
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../../api/viewset.js';
import type { UserService } from './user.service.js';
import {
  PaginatedUserList,
  PatchedUserRequest,
  SessionUser,
  User,
  UserIdParams,
  UserPasswordSetRequest,
  UserRequest,
} from './user.schema.js';

/** UserViewSet also accepts AgentAuth, which authentik documents as a second scheme. */
export const USER_SECURITY: Record<string, string[]>[] = [{ authentik: [] }, { authentik_device_auth: [] }];

const options: ViewSetRoutes = {
  base: '/core/users/',
  lookup: 'id',
  params: UserIdParams,
  operationPrefix: 'core_users',
  description: 'User Viewset',
  tags: ['core'],
  verboseName: 'User',
  item: User,
  paginated: PaginatedUserList,
  request: UserRequest,
  patched: PatchedUserRequest,
  security: USER_SECURITY,
};
const me = `${options.base}me/`;
const setPassword = `${options.base}:id/set_password/`;

export function userRoutes(service: UserService): RouteSpec[] {
  const routes = viewSetRoutes(service, {
    ...options,
    detailActions: [
      defineRoute({
        method: 'POST',
        url: setPassword,
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
    ],
  });
  // After list and create, as authentik's router lists the viewset's extra action.
  routes.splice(
    2,
    0,
    defineRoute({
      method: 'GET',
      url: me,
      operationId: 'core_users_me_retrieve',
      description: 'Get information about current user',
      tags: ['core'],
      security: USER_SECURITY,
      success: { status: 200, schema: ref(SessionUser) },
      handler: ({ ctx }) => service.me(ctx),
    }),
  );
  return routes;
}

export const userViews = {
  ...viewSetViews(options),
  [me]: { name: 'User Me', description: 'Get information about current user' },
  [setPassword]: { name: 'Set password', description: 'Set password for user' },
  [`${options.base}:id/used_by/`]: {
    name: 'Used by',
    description: 'Get a list of all objects that use this object',
  },
};
