/** The email stage's viewset (authentik/stages/email/api.py EmailStageViewSet). */
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import type { TypeCreateItem } from '../../api/schemas.js';
import { invalidTimedelta, parseTimedelta } from '../../lib/timedelta.js';
import { EMAIL_TEMPLATES, EMAIL_TEMPLATE_NAMES } from './email-templates.js';

export const EMAIL_STAGE_TYPE = defineStageType('email', {
  app: 'authentik_stages_email',
  model: 'emailstage',
  component: 'ak-stage-email-form',
  verboseName: 'Email Stage',
});

export const EMAIL_STAGE: SubtypeDefinition = {
  type: 'email',
  table: 'email_stages',
  // The 2026.8.3 schema lists no stage_uuid filter for this viewset.
  stageUuidFilter: false,
  columns: [
    { name: 'use_global_settings', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'host', kind: 'text', filter: { kind: 'text' } },
    { name: 'port', kind: 'integer', filter: { kind: 'integer' } },
    { name: 'username', kind: 'text', filter: { kind: 'text' } },
    { name: 'password', kind: 'text', writeOnly: true },
    { name: 'use_tls', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'use_ssl', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'timeout', kind: 'integer', filter: { kind: 'integer' } },
    { name: 'from_address', kind: 'text', filter: { kind: 'text' } },
    { name: 'token_expiry', kind: 'text', filter: { kind: 'text' } },
    { name: 'subject', kind: 'text', filter: { kind: 'text' } },
    { name: 'template', kind: 'text', filter: { kind: 'text' } },
    { name: 'activate_user_on_success', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'recovery_max_attempts', kind: 'integer' },
    { name: 'recovery_cache_timeout', kind: 'text' },
  ],
};

const DURATION_FIELDS = ['token_expiry', 'recovery_cache_timeout'] as const;

export const emailStageOptions: SubtypeOptions = {
  definition: EMAIL_STAGE,
  modelName: 'EmailStage',
  // authentik/stages/email/models.py defaults
  defaults: {
    use_global_settings: false,
    host: 'localhost',
    port: 25,
    username: '',
    password: '',
    use_tls: false,
    use_ssl: false,
    timeout: 10,
    from_address: 'system@authentik.local',
    token_expiry: 'minutes=30',
    subject: 'authentik',
    template: 'email/password_reset.html',
    activate_user_on_success: false,
    recovery_max_attempts: 5,
    recovery_cache_timeout: 'minutes=5',
  },
  // The serializer's ChoiceField on `template` (its choices set from get_template_choices())
  // and timedelta_string_validator on the two durations.
  async validate(_db, values) {
    const errors: FieldErrors = {};
    for (const field of DURATION_FIELDS) {
      const value = values[field];
      if (typeof value === 'string' && parseTimedelta(value) === undefined)
        errors[field] = [invalidTimedelta(value)];
    }
    const template = values.template;
    if (typeof template === 'string' && !EMAIL_TEMPLATE_NAMES.includes(template))
      errors.template = [Messages.invalidChoice(template)];
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  },
};

/** `templates/`: the templates a stage may name, as TypeCreate items (EmailStageViewSet.templates). */
export function emailTemplateTypes(): TypeCreateItem[] {
  return EMAIL_TEMPLATES.map((template) => ({
    name: template.name,
    description: template.description,
    component: '',
    model_name: '',
    // DRF renders the serializer's defaults for keys the item lacks.
    requires_enterprise: false,
    deprecated: false,
  }));
}
