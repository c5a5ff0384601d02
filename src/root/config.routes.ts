/**
 * `GET /api/v3/root/config/` (authentik/api/v3/config.py ConfigView, AllowAny): the public
 * settings the web interfaces read at start. Tessera reports no error reporting and none of
 * authentik's optional capabilities (media uploads, GeoIP, impersonation, ...), which it does
 * not have, and authentik's default cache timeouts (`cache.timeout*`, 300 s).
 */
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { Config } from './config.schema.js';

const CACHE_TIMEOUT_SECONDS = 300;

export function configRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/root/config/',
      operationId: 'root_config_retrieve',
      description: 'Retrieve public configuration options',
      tags: ['root'],
      auth: 'optional',
      security: [{ authentik: [] }, {}],
      success: { status: 200, schema: ref(Config) },
      handler: async () => ({
        error_reporting: {
          enabled: false,
          sentry_dsn: '',
          environment: 'customer',
          send_pii: false,
          traces_sample_rate: 0,
        },
        capabilities: [],
        cache_timeout: CACHE_TIMEOUT_SECONDS,
        cache_timeout_flows: CACHE_TIMEOUT_SECONDS,
        cache_timeout_policies: CACHE_TIMEOUT_SECONDS,
      }),
    }),
  ];
}

export const configViews = {
  '/root/config/': { name: 'Config', description: 'Retrieve public configuration options' },
};
