/** `/api/v3/stages/email/`: the viewset's seven routes and its `templates/` action. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { TypeCreate, ref } from '../../api/schemas.js';
import type { SubtypeStageService } from '../../flows/stage-subtype.service.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { emailTemplateTypes } from './email-stage.service.js';
import {
  EmailStage,
  EmailStageParams,
  EmailStageRequest,
  PaginatedEmailStageList,
  PatchedEmailStageRequest,
} from './email-stage.schema.js';

const base = '/stages/email/';

export const emailStageRouteOptions: SubtypeRouteOptions = {
  base,
  verboseName: 'Email Stage',
  item: EmailStage,
  request: EmailStageRequest,
  patched: PatchedEmailStageRequest,
  paginated: PaginatedEmailStageList,
  params: EmailStageParams,
};

const TEMPLATES_DESCRIPTION = 'Get all available templates, including custom templates';

export function emailStageRoutes(service: SubtypeStageService): RouteSpec[] {
  return [
    ...subtypeRoutes(service, emailStageRouteOptions),
    // A list action without pagination or filters: any signed-in caller may read it, as
    // authentik's permission class lets a list through and the templates are no objects.
    defineRoute({
      method: 'GET',
      url: `${base}templates/`,
      operationId: 'stages_email_templates_list',
      description: TEMPLATES_DESCRIPTION,
      tags: ['stages'],
      success: { status: 200, schema: Type.Array(ref(TypeCreate)) },
      handler: async () => emailTemplateTypes(),
    }),
  ];
}

export const emailStageViews = {
  ...subtypeViews(emailStageRouteOptions),
  [`${base}templates/`]: { name: 'Templates', description: TEMPLATES_DESCRIPTION },
};
