/**
 * `POST /api/v3/managed/blueprints/import/` (multipart `file` and `context`) and
 * `GET /api/v3/flows/instances/{slug}/export/` (authentik/blueprints/api.py,
 * authentik/flows/api/flows.py).
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { ApiError, Messages } from '../api/errors.js';
import type { BlueprintImporter, BlueprintUpload } from './blueprint-importer.service.js';
import type { BlueprintExporter } from './blueprint-exporter.service.js';
import { BlueprintImportResult, BlueprintUploadRequest, FlowSlugParams } from './blueprint.schema.js';

/**
 * Reads the form's `file` and `context` parts as text (DRF's MultiPartParser; other bodies are
 * 415). A `file` sent as a plain field is no file, as Django keeps it in POST, not FILES.
 */
async function readUpload(request: FastifyRequest): Promise<BlueprintUpload> {
  if (!request.isMultipart()) {
    throw ApiError.detail(415, Messages.unsupportedMediaType(request.headers['content-type'] ?? ''));
  }
  const upload: BlueprintUpload = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const content = await part.toBuffer();
      if (part.fieldname === 'file' && upload.file === undefined) upload.file = content.toString('utf8');
    } else if (part.fieldname === 'context' && typeof part.value === 'string') {
      upload.context = part.value;
    }
  }
  return upload;
}

export function blueprintRoutes(importer: BlueprintImporter, exporter: BlueprintExporter): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/managed/blueprints/import/',
      operationId: 'managed_blueprints_import_create',
      description: 'Import blueprint from .yaml file and apply it once, without creating an instance',
      tags: ['managed'],
      body: ref(BlueprintUploadRequest),
      consumes: ['multipart/form-data'],
      // BlueprintInstanceViewSet's ObjectPermissions: a POST needs the add permission.
      requires: 'authentik_blueprints.add_blueprintinstance',
      success: { status: 200, schema: ref(BlueprintImportResult) },
      handler: async ({ ctx, request }) => importer.importUpload(ctx, await readUpload(request)),
    }),
    defineRoute({
      method: 'GET',
      url: '/flows/instances/:slug/export/',
      operationId: 'flows_instances_export_retrieve',
      description: 'Export flow to .yaml file',
      tags: ['flows'],
      params: FlowSlugParams,
      success: { status: 200, schema: Type.String({ format: 'binary' }) },
      handler: async ({ ctx, params, reply }) => {
        const { filename, text } = await exporter.exportFlow(ctx, params.slug);
        // Django's HttpResponse: text/html by default, as authentik leaves it.
        reply
          .type('text/html; charset=utf-8')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .serializer((body) => body as string);
        return text;
      },
    }),
  ];
}

export const blueprintViews = {
  '/managed/blueprints/import/': { name: 'Blueprint Instance List', description: 'Blueprint instances' },
  '/flows/instances/:slug/export/': { name: 'Flow Instance', description: 'Flow Viewset' },
};
