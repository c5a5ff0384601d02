/** The password stage's viewset (authentik/stages/password/api.py PasswordStageViewSet). */
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { checkRelated } from '../identification/identification-stage.service.js';

export const PASSWORD_STAGE_TYPE = defineStageType('password', {
  app: 'authentik_stages_password',
  model: 'passwordstage',
  component: 'ak-stage-password-form',
  verboseName: 'Password Stage',
});

export const PASSWORD_STAGE: SubtypeDefinition = {
  type: 'password',
  table: 'password_stages',
  stageUuidFilter: false,
  columns: [
    // `backends`, an ArrayField, is not filtered (docs/compatibility.md).
    { name: 'backends', kind: 'json' },
    { name: 'configure_flow', kind: 'uuid', filter: { kind: 'uuid' } },
    { name: 'failed_attempts_before_cancel', kind: 'integer', filter: { kind: 'integer' } },
    { name: 'allow_show_password', kind: 'boolean', filter: { kind: 'drfBoolean' } },
  ],
};

export const passwordStageOptions: SubtypeOptions = {
  definition: PASSWORD_STAGE,
  modelName: 'PasswordStage',
  // authentik/stages/password/models.py defaults (`backends` is required on create)
  defaults: { configure_flow: null, failed_attempts_before_cancel: 5, allow_show_password: false },
  async validate(db, values) {
    await checkRelated(db, values, { flows: ['configure_flow'] });
  },
};
