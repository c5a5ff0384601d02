import { Type } from '@sinclair/typebox';
import { ReadOnly, StringEnum, component, ref } from '../api/schemas.js';

/** authentik/api/v3/config.py Capabilities. */
export const CapabilitiesEnum = StringEnum('CapabilitiesEnum', [
  'can_save_media',
  'can_save_reports',
  'can_geo_ip',
  'can_asn',
  'can_impersonate',
  'can_debug',
  'is_enterprise',
  'can_request',
  'can_agent_self_service',
] as const);

export const ErrorReportingConfig = component(
  'ErrorReportingConfig',
  Type.Object(
    {
      enabled: ReadOnly(Type.Boolean()),
      sentry_dsn: ReadOnly(Type.String()),
      environment: ReadOnly(Type.String()),
      send_pii: ReadOnly(Type.Boolean()),
      traces_sample_rate: ReadOnly(Type.Number({ format: 'double' })),
    },
    { description: 'Config for error reporting' },
  ),
);

export const Config = component(
  'Config',
  Type.Object(
    {
      error_reporting: ref(ErrorReportingConfig),
      capabilities: Type.Array(ref(CapabilitiesEnum)),
      cache_timeout: Type.Integer(),
      cache_timeout_flows: Type.Integer(),
      cache_timeout_policies: Type.Integer(),
    },
    { description: 'Serialize authentik Config into DRF Object' },
  ),
);
