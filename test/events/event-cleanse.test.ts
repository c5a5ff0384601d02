/** authentik's cleanse_dict as Tessera applies it to every event's context. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanse } from '../../src/events/event.service.js';

const MASK = '********************';

test('masks values under secret-looking keys at any depth, in objects and arrays', () => {
  const context = {
    message: 'kept',
    password: 'hunter2',
    nested: { api_key: 'k', list: [{ Token: 't', name: 'n' }, 'plain'], depth: { SIGNATURE: 's' } },
    http_request: { args: { itoken: 'uuid', next: '/' }, path: '/p' },
  };
  assert.deepEqual(cleanse(context), {
    message: 'kept',
    password: MASK,
    nested: { api_key: MASK, list: [{ Token: MASK, name: 'n' }, 'plain'], depth: { SIGNATURE: MASK } },
    http_request: { args: { itoken: MASK, next: '/' }, path: '/p' },
  });
  // The same keys again give the same answers (they are remembered).
  assert.deepEqual(cleanse({ password: 'x', message: 'y' }), { password: MASK, message: 'y' });
});

test('a __proto__ key from a query stays a plain key and changes no prototype', () => {
  const args = JSON.parse('{"__proto__": {"polluted": true}, "q": "1"}') as Record<string, unknown>;
  const cleansed = cleanse({ args }) as { args: Record<string, unknown> };
  assert.equal(Object.getPrototypeOf(cleansed.args), Object.prototype);
  assert.deepEqual(Object.keys(cleansed.args), ['__proto__', 'q']);
  assert.equal(JSON.stringify(cleansed), '{"args":{"__proto__":{"polluted":true},"q":"1"}}');
});
