/**
 * The user_login stage (authentik/stages/user_login): its viewset at /api/v3/stages/user_login/
 * (api.py UserLoginStageViewSet) and its handler.
 */
import { ApiError } from '../../api/errors.js';
import { defineStage } from '../../flows/stage-definition.js';
import { choiceColumn } from '../../flows/stage-subtype.repository.js';
import { timedeltaErrors } from '../../lib/timedelta.js';
import { userLoginStageHandler } from './user-login.stage.js';
import { GeoipBindingEnum, NetworkBindingEnum, userLoginStageSchemas } from './user-login-stage.schema.js';

const DURATION_FIELDS = ['session_duration', 'remember_me_offset', 'remember_device'] as const;

export const userLoginFeature = defineStage({
  type: 'user_login',
  app: 'authentik_stages_user_login',
  appVerboseName: 'authentik Stages.User Login',
  model: 'userloginstage',
  component: 'ak-stage-user-login-form',
  verboseName: 'User Login Stage',
  table: 'user_login_stages',
  columns: [
    { name: 'session_duration', kind: 'text', filter: { kind: 'text' } },
    { name: 'terminate_other_sessions', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'remember_me_offset', kind: 'text', filter: { kind: 'text' } },
    choiceColumn('network_binding', NetworkBindingEnum),
    choiceColumn('geoip_binding', GeoipBindingEnum),
    { name: 'remember_device', kind: 'text', filter: { kind: 'text' } },
  ],
  // authentik/stages/user_login/models.py defaults
  defaults: {
    session_duration: 'seconds=0',
    terminate_other_sessions: false,
    remember_me_offset: 'seconds=0',
    network_binding: 'no_binding',
    geoip_binding: 'no_binding',
    remember_device: 'days=30',
  },
  // timedelta_string_validator on the three duration fields.
  async validate(_db, values) {
    const errors = timedeltaErrors(values, DURATION_FIELDS);
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
  },
  schemas: userLoginStageSchemas,
  handler: userLoginStageHandler,
});
