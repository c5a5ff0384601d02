/**
 * The password stage (authentik/stages/password): its viewset at /api/v3/stages/password/
 * (api.py PasswordStageViewSet) and its handler.
 */
// Adds the stage's challenge and its answer to the executor's unions.
import './password-challenge.schema.js';
import { defineStage } from '../../flows/stage-definition.js';
import { checkRelated } from '../identification/related-objects.js';
import { passwordStageHandler } from './password.stage.js';
import { passwordStageSchemas } from './password-stage.schema.js';

export const passwordFeature = defineStage({
  type: 'password',
  app: 'authentik_stages_password',
  appVerboseName: 'authentik Stages.Password',
  model: 'passwordstage',
  component: 'ak-stage-password-form',
  verboseName: 'Password Stage',
  table: 'password_stages',
  stageUuidFilter: false,
  columns: [
    // `backends`, an ArrayField, is not filtered (docs/compatibility.md).
    { name: 'backends', kind: 'json' },
    { name: 'configure_flow', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'failed_attempts_before_cancel', kind: 'integer', filter: { kind: 'integer' } },
    { name: 'allow_show_password', kind: 'boolean', filter: { kind: 'drfBoolean' } },
  ],
  // authentik/stages/password/models.py defaults (`backends` is required on create)
  defaults: { configure_flow: null, failed_attempts_before_cancel: 5, allow_show_password: false },
  async validate(db, values) {
    await checkRelated(db, values, { flows: ['configure_flow'] });
  },
  schemas: passwordStageSchemas,
  handler: passwordStageHandler,
  blueprints: false,
});
