/**
 * `GET /api/v3/admin/version/` (authentik/admin/api/version.py VersionView, IsAuthenticated):
 * the authentik release whose API is served. authentik reads the latest release from a cache
 * its update check fills; Tessera checks nothing, so the latest version is authentik's
 * "unknown" value (`0.0.0`, `version_latest_valid: false`) and nothing is outdated.
 */
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { AUTHENTIK_VERSION } from '../api/schema.routes.js';
import { Version } from './version.schema.js';

export function versionRoutes(buildHash: string): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/admin/version/',
      operationId: 'admin_version_retrieve',
      description: 'Get running and latest version.',
      tags: ['admin'],
      success: { status: 200, schema: ref(Version) },
      handler: async () => ({
        version_current: AUTHENTIK_VERSION,
        version_latest: '0.0.0',
        version_latest_valid: false,
        build_hash: buildHash,
        outdated: false,
        outpost_outdated: false,
      }),
    }),
  ];
}

export const versionViews = {
  '/admin/version/': { name: 'Version', description: 'Get running and latest version.' },
};
