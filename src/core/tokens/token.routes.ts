/** `/api/v3/core/tokens/`: authentik's TokenViewSet, keyed by identifier. */
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../../api/viewset.js';
import type { TokenService } from './token.service.js';
import {
  PaginatedTokenList,
  PatchedTokenRequest,
  Token,
  TokenIdentifierParams,
  TokenRequest,
  TokenSetKeyRequest,
  TokenView,
} from './token.schema.js';

const options: ViewSetRoutes = {
  base: '/core/tokens/',
  lookup: 'identifier',
  params: TokenIdentifierParams,
  operationPrefix: 'core_tokens',
  description: 'Token Viewset',
  tags: ['core'],
  verboseName: 'Token',
  item: Token,
  paginated: PaginatedTokenList,
  request: TokenRequest,
  patched: PatchedTokenRequest,
  // rbac_allow_create_without_perm: anyone signed in may create a token (for themselves).
  anyoneMayCreate: true,
};
const detail = `${options.base}:identifier/`;

export function tokenRoutes(service: TokenService): RouteSpec[] {
  return viewSetRoutes(service, {
    ...options,
    detailActions: [
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
    ],
  });
}

export const tokenViews = viewSetViews(options);
