/** `/api/v3/stages/prompt/prompts/` and `/api/v3/stages/prompt/stages/`. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { SubtypeStageService } from '../../flows/stage-subtype.service.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { PromptChallenge } from './prompt-challenge.schema.js';
import { PromptService } from './prompt.service.js';
import {
  PaginatedPromptList,
  PaginatedPromptStageList,
  PatchedPromptRequest,
  PatchedPromptStageRequest,
  Prompt,
  PromptListQuery,
  PromptRequest,
  PromptStage,
  PromptStageListQuery,
  PromptStageRequest,
  PromptStageUuidParams,
  PromptUuidParams,
} from './prompt.schema.js';

const base = '/stages/prompt/prompts/';
const detail = `${base}:prompt_uuid/`;
const common = { description: 'Prompt Viewset', tags: ['stages'] };

export const promptStageRouteOptions: SubtypeRouteOptions = {
  base: '/stages/prompt/stages/',
  operationPrefix: 'stages_prompt_stages',
  description: 'PromptStage Viewset',
  verboseName: 'Prompt Stage',
  item: PromptStage,
  request: PromptStageRequest,
  patched: PatchedPromptStageRequest,
  paginated: PaginatedPromptStageList,
  params: PromptStageUuidParams,
  listQuery: PromptStageListQuery,
};

export function promptRoutes(service: PromptService, stages: SubtypeStageService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'stages_prompt_prompts_list',
      querystring: PromptListQuery,
      success: { status: 200, schema: ref(PaginatedPromptList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'stages_prompt_prompts_create',
      requires: PromptService.permissions.add,
      body: ref(PromptRequest),
      success: { status: 201, schema: ref(Prompt) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      method: 'POST',
      url: `${base}preview/`,
      operationId: 'stages_prompt_prompts_preview_create',
      description: 'Preview a prompt as a challenge, just like a flow would receive',
      tags: ['stages'],
      requires: PromptService.permissions.add,
      body: ref(PromptRequest),
      success: { status: 200, schema: ref(PromptChallenge) },
      handler: ({ ctx, body }) => service.preview(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'stages_prompt_prompts_retrieve',
      params: PromptUuidParams,
      success: { status: 200, schema: ref(Prompt) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.prompt_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'stages_prompt_prompts_update',
      params: PromptUuidParams,
      body: ref(PromptRequest),
      success: { status: 200, schema: ref(Prompt) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.prompt_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'stages_prompt_prompts_partial_update',
      params: PromptUuidParams,
      body: ref(PatchedPromptRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(Prompt) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.prompt_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'stages_prompt_prompts_destroy',
      params: PromptUuidParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.prompt_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'stages_prompt_prompts_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['stages'],
      params: PromptUuidParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.prompt_uuid),
    }),
    ...subtypeRoutes(stages, promptStageRouteOptions),
  ];
}

export const promptViews = {
  [base]: { name: 'Prompt List', description: 'Prompt Viewset' },
  [detail]: { name: 'Prompt Instance', description: 'Prompt Viewset' },
  [`${base}preview/`]: {
    name: 'Preview',
    description: 'Preview a prompt as a challenge, just like a flow would receive',
  },
  ...subtypeViews(promptStageRouteOptions),
};
