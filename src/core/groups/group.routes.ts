/** `/api/v3/core/groups/`: authentik's GroupViewSet. */
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../../api/viewset.js';
import { USER_SECURITY } from '../users/user.routes.js';
import type { GroupService } from './group.service.js';
import {
  Group,
  GroupRequest,
  GroupRetrieveQuery,
  GroupUuidParams,
  PaginatedGroupList,
  PatchedGroupRequest,
  UserAccountRequest,
} from './group.schema.js';

const options: ViewSetRoutes = {
  base: '/core/groups/',
  lookup: 'group_uuid',
  params: GroupUuidParams,
  operationPrefix: 'core_groups',
  description: 'Group Viewset',
  tags: ['core'],
  verboseName: 'Group',
  item: Group,
  paginated: PaginatedGroupList,
  request: GroupRequest,
  patched: PatchedGroupRequest,
  security: USER_SECURITY,
  retrieveQuery: GroupRetrieveQuery,
};

/** add_user and remove_user: one user in or out of the group. */
function membershipRoute(service: GroupService, add: boolean): RouteSpec {
  const action = add ? 'add_user' : 'remove_user';
  return defineRoute({
    method: 'POST',
    url: `${options.base}:group_uuid/${action}/`,
    operationId: `core_groups_${action}_create`,
    description: add ? 'Add user to group' : 'Remove user from group',
    tags: options.tags,
    security: USER_SECURITY,
    params: GroupUuidParams,
    body: ref(UserAccountRequest),
    success: { status: 204, schema: null },
    handler: ({ ctx, params, body }) => service.membership(ctx, params.group_uuid, body.pk, add),
  });
}

export function groupRoutes(service: GroupService): RouteSpec[] {
  return viewSetRoutes(service, {
    ...options,
    detailActions: [membershipRoute(service, true), membershipRoute(service, false)],
  });
}

export const groupViews = viewSetViews(options);
