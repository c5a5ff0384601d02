/**
 * Blueprints: the import and export endpoints, and the start-up folder
 * (AUTHENTIK_BLUEPRINTS_DIR). The routes live in their own Fastify context, where the
 * multipart parser is registered: every other API view parses JSON only.
 */
import multipart from '@fastify/multipart';
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { schemaRegistry } from '../api/schemas.js';
import { FlowService } from '../flows/flow.service.js';
import { BlueprintImporter } from './blueprint-importer.service.js';
import { BlueprintExporter } from './blueprint-exporter.service.js';
import { blueprintRoutes, blueprintViews } from './blueprint.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    blueprints: BlueprintImporter;
  }
}

/** The largest blueprint upload (the API's JSON body limit). */
const MAX_UPLOAD_BYTES = 1024 * 1024;

export const blueprintFeature: Feature = {
  name: 'blueprints',
  provide(app) {
    const deps = { config: app.config, install: app.install, events: app.events, metrics: app.metrics };
    app.decorate(
      'blueprints',
      new BlueprintImporter(app.database.db, app.permissions, schemaRegistry(), deps),
    );
  },
  async register(app) {
    const { db } = app.database;
    const deps = { config: app.config, install: app.install, events: app.events, metrics: app.metrics };
    const flows = new FlowService({
      db,
      permissions: app.permissions,
      events: app.events,
      pageSizes: app.config.pagination,
    });
    const exporter = new BlueprintExporter(db, app.permissions, flows, deps);
    await app.register(async (scope) => {
      await scope.register(multipart, {
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, parts: 5 },
        throwFileSizeLimit: true,
      });
      mountRoutes(scope, blueprintRoutes(app.blueprints, exporter), blueprintViews);
    });
  },
  async start(app) {
    // authentik reads `!Env` from its own environment for the blueprints it finds on disk.
    if (app.config.blueprintsDir)
      await app.blueprints.applyFolder(app.config.blueprintsDir, process.env, app.log);
  },
};
