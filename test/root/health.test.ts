/**
 * authentik's health endpoints: `/-/health/live/` answers while the process runs,
 * `/-/health/ready/` only while the database answers (503 otherwise). Neither needs
 * authentication, and neither is part of API v3.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openTestDatabase } from '../helpers/database.js';
import { buildTestApp } from '../helpers/test-app.js';

const t = await buildTestApp();

describe('health', () => {
  test('live and ready answer 200 without credentials', async () => {
    for (const url of ['/-/health/live/', '/-/health/ready/']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, '');
      assert.match(String(response.headers['x-authentik-id']), /^[0-9a-f]{32}$/);
      assert.equal((await t.app.inject({ method: 'HEAD', url })).statusCode, 200, `HEAD ${url}`);
    }
  });

  test('they are not in the API document', async () => {
    const document = JSON.parse(
      (await t.app.inject({ method: 'GET', url: '/api/v3/schema/?format=json' })).body,
    );
    assert.ok(!Object.keys(document.paths).some((path) => path.includes('health')));
  });

  test('ready is 503 once the database is gone; live stays 200', async () => {
    const { database, config: databaseConfig } = await openTestDatabase();
    const config = loadConfig({});
    config.database = databaseConfig;
    const app = await buildApp(config, { database, logger: false, schedule: false });
    await app.ready();
    after(() => app.close());
    assert.equal((await app.inject({ method: 'GET', url: '/-/health/ready/' })).statusCode, 200);
    await database.close();
    const ready = await app.inject({ method: 'GET', url: '/-/health/ready/' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.body, '');
    assert.equal((await app.inject({ method: 'GET', url: '/-/health/live/' })).statusCode, 200);
  });
});
