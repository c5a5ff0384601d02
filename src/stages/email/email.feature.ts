/**
 * The email stage (authentik/stages/email): its viewset at /api/v3/stages/email/ (api.py
 * EmailStageViewSet) with its `templates/` action, its handler and the cleanup of dead links.
 */
import { ApiError, Messages } from '../../api/errors.js';
import { mountRoutes } from '../../api/routes.js';
import { defineStage } from '../../flows/stage-definition.js';
import { timedeltaErrors } from '../../lib/timedelta.js';
import { EMAIL_TEMPLATE_NAMES } from './email-templates.js';
import { emailTemplateRoutes, emailTemplateViews } from './email-stage.routes.js';
import { emailStageSchemas } from './email-stage.schema.js';
import { createEmailStageHandler } from './email.stage.js';
import { createEmailRepository } from './email.repository.js';
import './email-challenge.schema.js';

const DURATION_FIELDS = ['token_expiry', 'recovery_cache_timeout'] as const;

export const emailFeature = defineStage({
  type: 'email',
  app: 'authentik_stages_email',
  appVerboseName: 'authentik Stages.Email',
  model: 'emailstage',
  component: 'ak-stage-email-form',
  verboseName: 'Email Stage',
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
    const errors: Record<string, string[]> = timedeltaErrors(values, DURATION_FIELDS);
    const template = values.template;
    if (typeof template === 'string' && !EMAIL_TEMPLATE_NAMES.includes(template))
      errors.template = [Messages.invalidChoice(template)];
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  },
  schemas: emailStageSchemas,
  handler: ({ config }) => createEmailStageHandler({ email: config.email, externalUrl: config.externalUrl }),
  register(app) {
    mountRoutes(app, emailTemplateRoutes, emailTemplateViews);
    app.tasks.add({
      // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for FlowTokens.
      name: 'clean_expired_flow_tokens',
      intervalSeconds: app.config.cleanupIntervalSeconds,
      run: async () => {
        await createEmailRepository(app.database.db).deleteExpired();
      },
    });
  },
});
