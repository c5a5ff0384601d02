/** The user_login stage's viewset (authentik/stages/user_login/api.py UserLoginStageViewSet). */
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { ApiError, type FieldErrors } from '../../api/errors.js';
import { GEOIP_BINDINGS, NETWORK_BINDINGS } from './user-login-stage.schema.js';
import { invalidTimedelta, parseTimedelta } from '../../lib/timedelta.js';

export const USER_LOGIN_STAGE_TYPE = defineStageType('user_login', {
  app: 'authentik_stages_user_login',
  model: 'userloginstage',
  component: 'ak-stage-user-login-form',
  verboseName: 'User Login Stage',
});

const DURATION_FIELDS = ['session_duration', 'remember_me_offset', 'remember_device'] as const;

export const USER_LOGIN_STAGE: SubtypeDefinition = {
  type: 'user_login',
  table: 'user_login_stages',
  columns: [
    { name: 'session_duration', kind: 'text' },
    { name: 'terminate_other_sessions', kind: 'boolean' },
    { name: 'remember_me_offset', kind: 'text' },
    { name: 'network_binding', kind: 'choice', choices: NETWORK_BINDINGS },
    { name: 'geoip_binding', kind: 'choice', choices: GEOIP_BINDINGS },
    { name: 'remember_device', kind: 'text' },
  ],
};

export const userLoginStageOptions: SubtypeOptions = {
  definition: USER_LOGIN_STAGE,
  modelName: 'UserLoginStage',
  // authentik/stages/user_login/models.py defaults
  defaults: {
    session_duration: 'seconds=0',
    terminate_other_sessions: false,
    remember_me_offset: 'seconds=0',
    network_binding: 'no_binding',
    geoip_binding: 'no_binding',
    remember_device: 'days=30',
  },
  filters: (reader) => ({
    geoip_binding: reader.choice('geoip_binding', GEOIP_BINDINGS),
    network_binding: reader.choice('network_binding', NETWORK_BINDINGS),
    remember_device: reader.text('remember_device'),
    remember_me_offset: reader.text('remember_me_offset'),
    session_duration: reader.text('session_duration'),
    terminate_other_sessions: reader.drfBoolean('terminate_other_sessions'),
  }),
  // timedelta_string_validator on the three duration fields.
  async validate(_db, values) {
    const errors: FieldErrors = {};
    for (const field of DURATION_FIELDS) {
      const value = values[field];
      if (typeof value === 'string' && parseTimedelta(value) === undefined)
        errors[field] = [invalidTimedelta(value)];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  },
};
