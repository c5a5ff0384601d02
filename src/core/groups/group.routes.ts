/** `/api/v3/core/groups/`: authentik's GroupViewSet. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import { USER_SECURITY } from '../users/user.routes.js';
import type { GroupService } from './group.service.js';
import {
  Group,
  GroupListQuery,
  GroupRequest,
  GroupRetrieveQuery,
  GroupUuidParams,
  PaginatedGroupList,
  PatchedGroupRequest,
  UserAccountRequest,
} from './group.schema.js';

const base = '/core/groups/';
const detail = `${base}:group_uuid/`;
const common = { description: 'Group Viewset', tags: ['core'], security: USER_SECURITY };

export function groupRoutes(service: GroupService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'core_groups_list',
      querystring: GroupListQuery,
      success: { status: 200, schema: ref(PaginatedGroupList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'core_groups_create',
      requires: 'authentik_core.add_group',
      body: ref(GroupRequest),
      success: { status: 201, schema: ref(Group) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'core_groups_retrieve',
      params: GroupUuidParams,
      querystring: GroupRetrieveQuery,
      success: { status: 200, schema: ref(Group) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.group_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'core_groups_update',
      params: GroupUuidParams,
      body: ref(GroupRequest),
      success: { status: 200, schema: ref(Group) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.group_uuid, body, false),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'core_groups_partial_update',
      params: GroupUuidParams,
      body: ref(PatchedGroupRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(Group) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.group_uuid, body, true),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'core_groups_destroy',
      params: GroupUuidParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.group_uuid),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: `${detail}add_user/`,
      operationId: 'core_groups_add_user_create',
      description: 'Add user to group',
      params: GroupUuidParams,
      body: ref(UserAccountRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.membership(ctx, params.group_uuid, body.pk, true),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: `${detail}remove_user/`,
      operationId: 'core_groups_remove_user_create',
      description: 'Remove user from group',
      params: GroupUuidParams,
      body: ref(UserAccountRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.membership(ctx, params.group_uuid, body.pk, false),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'core_groups_used_by_list',
      description: 'Get a list of all objects that use this object',
      params: GroupUuidParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.group_uuid),
    }),
  ];
}

export const groupViews = {
  [base]: { name: 'Group List', description: 'Group Viewset' },
  [detail]: { name: 'Group Instance', description: 'Group Viewset' },
};
