/**
 * The identification stage (authentik/stages/identification): its viewset at
 * /api/v3/stages/identification/ (api.py IdentificationStageViewSet) and its handler.
 */
// Adds the stage's challenge and its answer to the executor's unions.
import './identification-challenge.schema.js';
import { defineStage } from '../../flows/stage-definition.js';
import { checkRelated } from './related-objects.js';
import { identificationStageHandler } from './identification.stage.js';
import { identificationStageSchemas } from './identification-stage.schema.js';

export const identificationFeature = defineStage({
  type: 'identification',
  app: 'authentik_stages_identification',
  appVerboseName: 'authentik Stages.Identification',
  model: 'identificationstage',
  component: 'ak-stage-identification-form',
  verboseName: 'Identification Stage',
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
  schemas: identificationStageSchemas,
  handler: identificationStageHandler,
  blueprints: false,
});
