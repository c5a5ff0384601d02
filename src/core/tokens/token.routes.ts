/** `/api/v3/core/tokens/`: authentik's TokenViewSet, keyed by identifier. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { TokenService } from './token.service.js';
import {
  PaginatedTokenList,
  PatchedTokenRequest,
  Token,
  TokenIdentifierParams,
  TokenListQuery,
  TokenRequest,
  TokenSetKeyRequest,
  TokenView,
} from './token.schema.js';

const base = '/core/tokens/';
const detail = `${base}:identifier/`;
const common = { description: 'Token Viewset', tags: ['core'] };

export function tokenRoutes(service: TokenService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'core_tokens_list',
      querystring: TokenListQuery,
      success: { status: 200, schema: ref(PaginatedTokenList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      // rbac_allow_create_without_perm: anyone signed in may create a token (for themselves).
      ...common,
      method: 'POST',
      url: base,
      operationId: 'core_tokens_create',
      body: ref(TokenRequest),
      success: { status: 201, schema: ref(Token) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'core_tokens_retrieve',
      params: TokenIdentifierParams,
      success: { status: 200, schema: ref(Token) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.identifier),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'core_tokens_update',
      params: TokenIdentifierParams,
      body: ref(TokenRequest),
      success: { status: 200, schema: ref(Token) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.identifier, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'core_tokens_partial_update',
      params: TokenIdentifierParams,
      body: ref(PatchedTokenRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(Token) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.identifier, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'core_tokens_destroy',
      params: TokenIdentifierParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.identifier),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}view_key/`,
      operationId: 'core_tokens_view_key_retrieve',
      description: 'Return token key and log access',
      tags: ['core'],
      params: TokenIdentifierParams,
      success: { status: 200, schema: ref(TokenView) },
      handler: ({ ctx, params }) => service.viewKey(ctx, params.identifier),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}set_key/`,
      operationId: 'core_tokens_set_key_create',
      description:
        'Set token key. Action is logged as event. `authentik_core.set_token_key`\npermission\nis required.',
      tags: ['core'],
      params: TokenIdentifierParams,
      body: ref(TokenSetKeyRequest),
      badRequest: 'Missing key',
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.setKey(ctx, params.identifier, body.key),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'core_tokens_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['core'],
      params: TokenIdentifierParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.identifier),
    }),
  ];
}

export const tokenViews = {
  [base]: { name: 'Token List', description: 'Token Viewset' },
  [detail]: { name: 'Token Instance', description: 'Token Viewset' },
};
