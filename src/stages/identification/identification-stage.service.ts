/** The identification stage's viewset (authentik/stages/identification/api.py IdentificationStageViewSet). */
import type { Db } from '../../db/client.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { createRelatedRepository } from './identification.repository.js';

export const IDENTIFICATION_STAGE_TYPE = defineStageType('identification', {
  app: 'authentik_stages_identification',
  model: 'identificationstage',
  component: 'ak-stage-identification-form',
  verboseName: 'Identification Stage',
});

export const IDENTIFICATION_STAGE: SubtypeDefinition = {
  type: 'identification',
  table: 'identification_stages',
  stageUuidFilter: false,
  columns: [
    { name: 'user_fields', kind: 'json' },
    { name: 'password_stage', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'captcha_stage', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'case_insensitive_matching', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'show_matched_user', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'enrollment_flow', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'recovery_flow', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'passwordless_flow', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'sources', kind: 'json' },
    { name: 'show_source_labels', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'pretend_user_exists', kind: 'boolean' },
    { name: 'enable_remember_me', kind: 'boolean' },
    { name: 'webauthn_stage', kind: 'uuid', filter: { kind: 'uuid' } },
  ],
};

/**
 * PrimaryKeyRelatedFields: each set value must name an existing object of the field's model.
 * `stageTypes` restricts a stage field to the types its model allows; Tessera has no captcha or
 * WebAuthn stages, so those fields accept any existing stage (docs/compatibility.md).
 */
export async function checkRelated(
  db: Db,
  values: Record<string, unknown>,
  fields: { stages?: Record<string, string | null>; flows?: string[] },
): Promise<void> {
  const related = createRelatedRepository(db);
  const errors: FieldErrors = {};
  for (const [field, type] of Object.entries(fields.stages ?? {})) {
    const pk = values[field];
    if (typeof pk === 'string' && !(await related.stageExists(pk, type))) {
      errors[field] = [Messages.pkDoesNotExist(pk)];
    }
  }
  for (const field of fields.flows ?? []) {
    const pk = values[field];
    if (typeof pk === 'string' && !(await related.flowExists(pk)))
      errors[field] = [Messages.pkDoesNotExist(pk)];
  }
  if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
}

export const identificationStageOptions: SubtypeOptions = {
  definition: IDENTIFICATION_STAGE,
  modelName: 'IdentificationStage',
  // authentik/stages/identification/models.py defaults
  defaults: {
    user_fields: [],
    password_stage: null,
    captcha_stage: null,
    case_insensitive_matching: true,
    show_matched_user: true,
    enrollment_flow: null,
    recovery_flow: null,
    passwordless_flow: null,
    sources: [],
    show_source_labels: false,
    pretend_user_exists: true,
    enable_remember_me: false,
    webauthn_stage: null,
  },
  async validate(db, values) {
    await checkRelated(db, values, {
      stages: { password_stage: 'password', captcha_stage: null, webauthn_stage: null },
      flows: ['enrollment_flow', 'recovery_flow', 'passwordless_flow'],
    });
  },
};
