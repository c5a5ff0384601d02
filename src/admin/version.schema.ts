import { Type } from '@sinclair/typebox';
import { ReadOnly, component } from '../api/schemas.js';

/** authentik/admin/api/version.py VersionSerializer. */
export const Version = component(
  'Version',
  Type.Object(
    {
      version_current: ReadOnly(Type.String({ description: 'Get current version' })),
      version_latest: ReadOnly(Type.String({ description: 'Get latest version from cache' })),
      version_latest_valid: ReadOnly(Type.Boolean({ description: 'Check if latest version is valid' })),
      build_hash: ReadOnly(
        Type.String({ description: 'Get build hash, if version is not latest or released' }),
      ),
      outdated: ReadOnly(Type.Boolean({ description: "Check if we're running the latest version" })),
      outpost_outdated: ReadOnly(
        Type.Boolean({ description: 'Check if any outpost is outdated/has a version mismatch' }),
      ),
    },
    { description: 'Get running and latest version.' },
  ),
);
