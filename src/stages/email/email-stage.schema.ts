/** EmailStage wire shapes (authentik/stages/email/api.py EmailStageSerializer), in the 2026.8.3 schema's order. */
import { Type } from '@sinclair/typebox';
import { stageSchemas } from '../../flows/stage.schema.js';

const texts = {
  use_global_settings:
    'When enabled, global Email connection settings will be used and connection settings below will be ignored.',
  token_expiry: 'Time the token sent is valid (Format: hours=3,minutes=17,seconds=300).',
  activate_user_on_success: 'Activate users upon completion of stage.',
  recovery_cache_timeout:
    'The time window used to count recent account recovery attempts. If the number of attempts exceed recovery_max_attempts within this period, further attempts will be rate-limited. (Format: hours=1;minutes=2;seconds=3).',
};

/** Django's IntegerField bounds; PositiveIntegerField starts at 0. */
const int32 = (minimum = -2147483648) => Type.Integer({ maximum: 2147483647, minimum });

/**
 * The settings in the serializer's order. A request's text fields are non-blank (`minLength`)
 * except `username`; `password` is write-only, so only requests carry it.
 */
function settings(request: boolean) {
  const text = (options: Record<string, unknown> = {}) =>
    Type.Optional(Type.String({ ...(request ? { minLength: 1 } : {}), ...options }));
  return {
    use_global_settings: Type.Optional(Type.Boolean({ description: texts.use_global_settings })),
    host: text(),
    port: Type.Optional(int32()),
    username: Type.Optional(Type.String()),
    ...(request ? { password: Type.Optional(Type.String({ writeOnly: true })) } : {}),
    use_tls: Type.Optional(Type.Boolean()),
    use_ssl: Type.Optional(Type.Boolean()),
    timeout: Type.Optional(int32()),
    from_address: text({ format: 'email', maxLength: 254 }),
    token_expiry: text({ description: texts.token_expiry }),
    subject: text(),
    template: text(),
    activate_user_on_success: Type.Optional(Type.Boolean({ description: texts.activate_user_on_success })),
    recovery_max_attempts: Type.Optional(int32(0)),
    recovery_cache_timeout: text({ description: texts.recovery_cache_timeout }),
  };
}

export const emailStageSchemas = stageSchemas('EmailStage', 'Email Stage', settings(false), settings(true));
