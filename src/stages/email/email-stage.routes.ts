/** `/api/v3/stages/email/templates/`: the email stage viewset's extra action (EmailStageViewSet.templates). */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec, type ViewMetadata } from '../../api/routes.js';
import { TypeCreate, ref, type TypeCreateItem } from '../../api/schemas.js';
import { EMAIL_TEMPLATES } from './email-templates.js';

const url = '/stages/email/templates/';

const TEMPLATES_DESCRIPTION = 'Get all available templates, including custom templates';

/** The templates a stage may name, as TypeCreate items. */
function emailTemplateTypes(): TypeCreateItem[] {
  return EMAIL_TEMPLATES.map((template) => ({
    name: template.name,
    description: template.description,
    component: '',
    model_name: '',
    // DRF renders the serializer's defaults for keys the item lacks.
    requires_enterprise: false,
    deprecated: false,
  }));
}

// A list action without pagination or filters: any signed-in caller may read it, as
// authentik's permission class lets a list through and the templates are no objects.
export const emailTemplateRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url,
    operationId: 'stages_email_templates_list',
    description: TEMPLATES_DESCRIPTION,
    tags: ['stages'],
    success: { status: 200, schema: Type.Array(ref(TypeCreate)) },
    handler: async () => emailTemplateTypes(),
  }),
];

export const emailTemplateViews: Record<string, ViewMetadata> = {
  [url]: { name: 'Templates', description: TEMPLATES_DESCRIPTION },
};
