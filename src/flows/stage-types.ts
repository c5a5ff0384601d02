/**
 * The stage types Tessera knows, with the metadata authentik's StageSerializer derives from
 * each model (`component`, `verbose_name`, `verbose_name_plural`, `meta_model_name`).
 * A registry keyed by type stands in for authentik's multi-table stage models.
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

export const STAGE_TYPES = {
  invitation: meta(
    'authentik_stages_invitation',
    'invitationstage',
    'ak-stage-invitation-form',
    'Invitation Stage',
  ),
  prompt: meta('authentik_stages_prompt', 'promptstage', 'ak-stage-prompt-form', 'Prompt Stage'),
  user_write: meta(
    'authentik_stages_user_write',
    'userwritestage',
    'ak-stage-user-write-form',
    'User Write Stage',
  ),
  user_login: meta(
    'authentik_stages_user_login',
    'userloginstage',
    'ak-stage-user-login-form',
    'User Login Stage',
  ),
  identification: meta(
    'authentik_stages_identification',
    'identificationstage',
    'ak-stage-identification-form',
    'Identification Stage',
  ),
  password: meta('authentik_stages_password', 'passwordstage', 'ak-stage-password-form', 'Password Stage'),
} as const satisfies Record<string, StageTypeMeta>;

export type StageType = keyof typeof STAGE_TYPES;

export function stageMeta(type: string): StageTypeMeta {
  return (
    (STAGE_TYPES as Record<string, StageTypeMeta>)[type] ?? meta('authentik_flows', 'stage', '', 'Stage')
  );
}

/** str(stage) in authentik, used in audit events and used_by entries. */
export function stageDisplayName(name: string): string {
  return `Stage ${name}`;
}
