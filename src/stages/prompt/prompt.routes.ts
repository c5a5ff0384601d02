/** `/api/v3/stages/prompt/prompts/` (the prompt stage's viewset is its stage definition's, prompt.feature.ts). */
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../../api/viewset.js';
import { PromptChallenge } from './prompt-challenge.schema.js';
import { PromptService } from './prompt.service.js';
import {
  PaginatedPromptList,
  PatchedPromptRequest,
  Prompt,
  PromptRequest,
  PromptUuidParams,
} from './prompt.schema.js';

const base = '/stages/prompt/prompts/';
const promptRouteOptions: ViewSetRoutes = {
  base,
  lookup: 'prompt_uuid',
  params: PromptUuidParams,
  operationPrefix: 'stages_prompt_prompts',
  description: 'Prompt Viewset',
  tags: ['stages'],
  verboseName: 'Prompt',
  item: Prompt,
  paginated: PaginatedPromptList,
  request: PromptRequest,
  patched: PatchedPromptRequest,
};

export function promptRoutes(service: PromptService): RouteSpec[] {
  const routes = viewSetRoutes(service, promptRouteOptions);
  // After list and create, as authentik's router lists the viewset's extra action.
  routes.splice(
    2,
    0,
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
  );
  return routes;
}

export const promptViews = {
  ...viewSetViews(promptRouteOptions),
  [`${base}preview/`]: {
    name: 'Preview',
    description: 'Preview a prompt as a challenge, just like a flow would receive',
  },
};
