/**
 * The flow pages: `/if/flow/<slug>/` and its script.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { buildEnrollmentFlow } from '../../helpers/enrollment.js';

const t = await buildTestApp();

describe('flow pages', () => {
  test('/if/flow/<slug>/ serves the page; an unknown slug is a 404 page', async () => {
    const e = await buildEnrollmentFlow(t);
    const page = await t.app.inject({ method: 'GET', url: `/if/flow/${e.flow.slug}/?itoken=x` });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(`<title>${e.flow.title}</title>`));
    assert.ok(page.body.includes('/static/tessera/flow/flow.js'));
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const missing = await t.app.inject({ method: 'GET', url: '/if/flow/no-such-flow/' });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^text\/html/);
    const script = await t.app.inject({ method: 'GET', url: '/static/tessera/flow/flow.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
  });
});
