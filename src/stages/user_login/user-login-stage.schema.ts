/** UserLoginStage wire shapes (authentik/stages/user_login/api.py), in the 2026.8.3 schema's order. */
import { Type } from '@sinclair/typebox';
import { StringEnum, ref } from '../../api/schemas.js';
import { stageSchemas } from '../../flows/stage.schema.js';

export const NETWORK_BINDINGS = [
  'no_binding',
  'bind_asn',
  'bind_asn_network',
  'bind_asn_network_ip',
] as const;
export const NetworkBindingEnum = StringEnum('NetworkBindingEnum', NETWORK_BINDINGS);
export const GEOIP_BINDINGS = [
  'no_binding',
  'bind_continent',
  'bind_continent_country',
  'bind_continent_country_city',
] as const;
export const GeoipBindingEnum = StringEnum('GeoipBindingEnum', GEOIP_BINDINGS);

const texts = {
  session_duration:
    'Determines how long a session lasts. Default of 0 means that the sessions lasts until the browser is closed. (Format: hours=-1;minutes=-2;seconds=-3)',
  terminate_other_sessions: 'Terminate all other sessions of the user logging in.',
  remember_me_offset:
    'Offset the session will be extended by when the user picks the remember me option. Default of 0 means that the remember me option will not be shown. (Format: hours=-1;minutes=-2;seconds=-3)',
  network_binding: 'Bind sessions created by this stage to the configured network',
  geoip_binding: 'Bind sessions created by this stage to the configured GeoIP location',
  remember_device:
    'When set to a non-zero value, authentik will save a cookie with a longer expiry,to remember the device the user is logging in from. (Format: hours=-1;minutes=-2;seconds=-3)',
};

function settings(minLength: number | undefined) {
  const duration = (description: string) =>
    Type.Optional(
      Type.String({
        description,
        ...(minLength ? { minLength } : {}),
      }),
    );
  return {
    session_duration: duration(texts.session_duration),
    terminate_other_sessions: Type.Optional(Type.Boolean({ description: texts.terminate_other_sessions })),
    remember_me_offset: duration(texts.remember_me_offset),
    network_binding: Type.Optional(
      Type.Unsafe({ allOf: [ref(NetworkBindingEnum)], description: texts.network_binding }),
    ),
    geoip_binding: Type.Optional(
      Type.Unsafe({ allOf: [ref(GeoipBindingEnum)], description: texts.geoip_binding }),
    ),
    remember_device: duration(texts.remember_device),
  };
}

export const userLoginStageSchemas = stageSchemas(
  'UserLoginStage',
  'User Login Stage',
  settings(undefined),
  settings(1),
);
