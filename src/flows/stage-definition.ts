/**
 * One declaration per stage type, `defineStage({...})`, from which everything the type needs
 * outside its folder is derived: its metadata (the StageSerializer fields, `stageMeta`), its
 * permissions (rbac's catalogue) and its objects (rbac's object registry), the generic viewset
 * mounted at `/api/v3/stages/<type>/`, its handler in the executor's registry, and the blueprint
 * handler (src/blueprints/model-handlers.ts reads `stageDefinitions()`). The declaration is the
 * folder's Feature: src/app.ts lists it, and that line is all a new stage type adds outside its
 * folder (its settings table is `<type>.table.ts` in the folder).
 *
 * It registers as its module loads, as authentik's models register with their apps: the
 * bootstrap syncs the permission catalogue before any feature's `register` runs.
 */
import type { FastifyInstance } from 'fastify';
import type { Feature } from '../lib/feature.js';
import type { Db } from '../db/client.js';
import type { PageSizeSettings } from '../api/pagination.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import type { StageService } from './stage.service.js';
import { mountRoutes } from '../api/routes.js';
import { modelPermissions, type ModelPermissions } from '../api/viewset.js';
import { registerModel } from '../rbac/permission-catalogue.js';
import { registerObjectModel } from '../rbac/object-registry.js';
import type { StageHandler } from './executor/stage-registry.js';
import { defineStageType, type StageTypeMeta } from './stage-types.js';
import { stageObjectModel, type SubtypeDefinition } from './stage-subtype.repository.js';
import { SubtypeStageService, type SubtypeOptions } from './stage-subtype.service.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from './stage-subtype.routes.js';

export interface StageDeclaration extends SubtypeDefinition {
  /** authentik's app label, e.g. `authentik_stages_user_login`. */
  app: string;
  /** The app's verbose name in permissions (`app_label_verbose`), e.g. `authentik Stages.User Login`. */
  appVerboseName: string;
  /** The model name, e.g. `userloginstage`. */
  model: string;
  /** The admin's edit-form element, e.g. `ak-stage-user-login-form`. */
  component: string;
  /** The model's verbose name, e.g. `User Login Stage` (also the OPTIONS view name). */
  verboseName: string;
  /** The viewset's path below /api/v3 with the trailing slash; by default `/stages/<type>/`. */
  path?: string;
  /** The wire shapes; the item schema's component name is the model's object name ("No UserLoginStage matches..."). */
  schemas: Pick<SubtypeRouteOptions, 'item' | 'request' | 'patched' | 'paginated' | 'params'>;
  /** Column values a create fills in when the request leaves them out (the model defaults). */
  defaults: SubtypeOptions['defaults'];
  validate?: SubtypeOptions['validate'];
  constants?: SubtypeOptions['constants'];
  /** The stage's work in the flow executor; a function when it needs the app's configuration or services. */
  handler: StageHandler | ((app: FastifyInstance) => StageHandler);
  /**
   * Routes the OpenAPI document lists before the stage's viewset, registered before it (the
   * prompt stage's prompts, under the same `/stages/prompt/` prefix).
   */
  registerBefore?(app: FastifyInstance): void;
  /** What else the folder registers, after the viewset: extra actions, other resources, tasks. */
  register?(app: FastifyInstance): void;
  /**
   * Whether blueprints may name the model (default true). The identification and password
   * stages have never had a blueprint handler: an import refuses them and an export leaves
   * them out, and giving them one would change both.
   */
  blueprints?: boolean;
}

/** The services a stage viewset is built on: the app's, or a blueprint import's transaction's. */
export interface StageViewSetDeps {
  db: Db;
  permissions: PermissionService;
  events: EventService;
  stages: StageService;
  pageSizes: PageSizeSettings;
}

export interface StageDefinition extends Feature {
  readonly declaration: StageDeclaration;
  /** `<app>.<model>`, as permissions, grants and blueprints name the model. */
  readonly modelKey: string;
  readonly meta: StageTypeMeta;
  /** Django's four permissions on the model, as `<app>.<codename>`. */
  readonly permissions: ModelPermissions;
  /** The generic viewset on `app`'s services, or on a transaction's (blueprints). */
  viewset(deps: StageViewSetDeps): SubtypeStageService;
}

/** Filled as the stage folders load; blueprints read it. */
const DEFINITIONS = new Map<string, StageDefinition>();

export function defineStage(declaration: StageDeclaration): StageDefinition {
  const { type, app, model, verboseName, schemas } = declaration;
  if (DEFINITIONS.has(type)) throw new Error(`stage type ${type} is defined twice`);
  const meta = defineStageType(type, { app, model, component: declaration.component, verboseName });
  const modelKey = `${app}.${model}`;
  registerModel({ app, model, verboseName }, declaration.appVerboseName);
  registerObjectModel(modelKey, stageObjectModel(declaration.table));

  // What the generic viewset needs of the type (SubtypeStageService).
  const options: SubtypeOptions = {
    definition: declaration,
    modelName: String(schemas.item.$id),
    defaults: declaration.defaults,
    validate: declaration.validate,
    constants: declaration.constants,
  };
  const routes: SubtypeRouteOptions = {
    base: declaration.path ?? `/stages/${type}/`,
    verboseName,
    ...schemas,
  };
  const viewset = (deps: StageViewSetDeps) =>
    new SubtypeStageService(deps.db, deps.permissions, deps.events, deps.stages, deps.pageSizes, options);
  const definition: StageDefinition = {
    name: `stages/${type}`,
    declaration,
    modelKey,
    meta,
    permissions: modelPermissions(`${app}.${model}`),
    viewset,
    register(fastify) {
      const handler =
        typeof declaration.handler === 'function' ? declaration.handler(fastify) : declaration.handler;
      if (handler.type !== type) throw new Error(`stage type ${type} has the handler of ${handler.type}`);
      fastify.stageRegistry.register(handler);
      declaration.registerBefore?.(fastify);
      const service = viewset({
        db: fastify.database.db,
        permissions: fastify.permissions,
        events: fastify.events,
        stages: fastify.stages,
        pageSizes: fastify.config.pagination,
      });
      mountRoutes(fastify, subtypeRoutes(service, routes), subtypeViews(routes));
      declaration.register?.(fastify);
    },
  };
  DEFINITIONS.set(type, definition);
  return definition;
}

/** Every stage type defined so far, in the order their folders loaded. */
export function stageDefinitions(): StageDefinition[] {
  return [...DEFINITIONS.values()];
}

/** A stage type's definition, once its folder has loaded (for its own folder's other resources). */
export function stageDefinition(type: string): StageDefinition {
  const definition = DEFINITIONS.get(type);
  if (!definition) throw new Error(`stage type ${type} is not defined`);
  return definition;
}
