/**
 * The stage types Tessera knows, with the metadata authentik's StageSerializer derives from
 * each model (`component`, `verbose_name`, `verbose_name_plural`, `meta_model_name`).
 * A registry keyed by type, filled by the stage folders, stands in for authentik's multi-table
 * stage models.
 * @see authentik/flows/api/stages.py, authentik/core/api/utils.py MetaNameSerializer
 */

export interface StageTypeMeta {
  /** Name of the admin edit-form element. */
  component: string;
  verbose_name: string;
  verbose_name_plural: string;
  /** `<app_label>.<model_name>` */
  meta_model_name: string;
  app: string;
  model_name: string;
}

function meta(app: string, model: string, component: string, verbose: string): StageTypeMeta {
  return {
    component,
    verbose_name: verbose,
    verbose_name_plural: `${verbose}s`,
    meta_model_name: `${app}.${model}`,
    app,
    model_name: model,
  };
}

/** The base Stage model's metadata, for a type no stage folder declares. */
const BASE_STAGE = meta('authentik_flows', 'stage', '', 'Stage');

/** Filled by the stage folders as they load (`defineStageType`); flows read it by type. */
const STAGE_TYPES = new Map<string, StageTypeMeta>();

/**
 * Declares a stage type's metadata. Each stage folder declares its own type beside its viewset
 * (e.g. src/stages/user_login/user-login-stage.service.ts), so flows name no stage type.
 */
export function defineStageType(
  type: string,
  model: { app: string; model: string; component: string; verboseName: string },
): StageTypeMeta {
  const declared = meta(model.app, model.model, model.component, model.verboseName);
  STAGE_TYPES.set(type, declared);
  return declared;
}

export function stageMeta(type: string): StageTypeMeta {
  return STAGE_TYPES.get(type) ?? BASE_STAGE;
}

/** str(stage) in authentik, used in audit events and used_by entries. */
export function stageDisplayName(name: string): string {
  return `Stage ${name}`;
}
