/**
 * `/api/v3/admin/version/` (authentication required) and `/api/v3/root/config/` (public), in
 * authentik's shapes: the test client checks every body against authentik's schema.yml.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { createUserWithToken } from '../helpers/factories.js';

const t = await buildTestApp({ GIT_BUILD_HASH: 'abc123' });

describe('admin/version', () => {
  it('answers any signed-in user with the authentik version served', async () => {
    const user = await createUserWithToken(t);
    const response = await t.client.as(user.token).get('/api/v3/admin/version/');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, {
      version_current: '2026.8.3',
      version_latest: '0.0.0',
      version_latest_valid: false,
      build_hash: 'abc123',
      outdated: false,
      outpost_outdated: false,
    });
  });

  it('refuses anonymous callers', async () => {
    const response = await t.client.as(null).get('/api/v3/admin/version/');
    assert.equal(response.status, 403);
  });
});

describe('root/config', () => {
  it('is public', async () => {
    const response = await t.client.as(null).get('/api/v3/root/config/');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.capabilities, []);
    assert.equal(response.body.error_reporting.enabled, false);
    assert.equal(response.body.cache_timeout_flows, 300);
  });
});
