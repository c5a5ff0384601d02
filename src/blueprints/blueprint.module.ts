/**
 * Blueprints: the import and export endpoints, and the start-up folder
 * (AUTHENTIK_BLUEPRINTS_DIR). The routes live in their own Fastify context, where the
 * multipart parser is registered: every other API view parses JSON only.
 */
import multipart from '@fastify/multipart';
import type { FeatureModule, ModuleDeps } from '../module.js';
import { mountRoutes } from '../api/routes.js';
import { schemaRegistry } from '../api/schemas.js';
import { BlueprintImporter } from './blueprint-importer.service.js';
import { BlueprintExporter } from './blueprint-exporter.service.js';
import { blueprintRoutes, blueprintViews } from './blueprint.routes.js';

/** The largest blueprint upload (the API's JSON body limit). */
const MAX_UPLOAD_BYTES = 1024 * 1024;

export function blueprintModule(deps: ModuleDeps): FeatureModule {
  const { app, config, db, install, shared } = deps;
  const handlerDeps = { config, install, events: shared.events };
  const importer = new BlueprintImporter(db, shared.permissions, schemaRegistry(), handlerDeps);
  const exporter = new BlueprintExporter(db, shared.permissions, shared.flows, handlerDeps);
  const blueprintsDir = config.blueprintsDir;
  return {
    plugin: async (scope) => {
      await scope.register(multipart, {
        limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, parts: 5 },
        throwFileSizeLimit: true,
      });
      mountRoutes(
        scope,
        { db, permissions: shared.permissions },
        blueprintRoutes(importer, exporter),
        blueprintViews,
      );
    },
    start: blueprintsDir
      ? // authentik reads `!Env` from its own environment for the blueprints it finds on disk.
        () => importer.applyFolder(blueprintsDir, process.env, app.log)
      : undefined,
    provides: { blueprintImporter: importer, blueprintExporter: exporter },
  };
}
