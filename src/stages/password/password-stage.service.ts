/** The password stage's viewset (authentik/stages/password/api.py PasswordStageViewSet). */
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { checkRelated } from '../identification/identification-stage.service.js';

export const PASSWORD_STAGE: SubtypeDefinition = {
  type: 'password',
  table: 'password_stages',
  columns: [
    { name: 'backends', kind: 'json' },
    { name: 'configure_flow', kind: 'uuid' },
    { name: 'failed_attempts_before_cancel', kind: 'integer' },
    { name: 'allow_show_password', kind: 'boolean' },
  ],
};

export const passwordStageOptions: SubtypeOptions = {
  definition: PASSWORD_STAGE,
  modelName: 'PasswordStage',
  // authentik/stages/password/models.py defaults (`backends` is required on create)
  defaults: { configure_flow: null, failed_attempts_before_cancel: 5, allow_show_password: false },
  // filterset_fields (`backends`, an ArrayField, is not filtered: docs/compatibility.md)
  filters: (reader) => ({
    allow_show_password: reader.drfBoolean('allow_show_password'),
    configure_flow: reader.uuid('configure_flow'),
    failed_attempts_before_cancel: reader.integer('failed_attempts_before_cancel'),
  }),
  async validate(db, values) {
    await checkRelated(db, values, { flows: ['configure_flow'] });
  },
};
