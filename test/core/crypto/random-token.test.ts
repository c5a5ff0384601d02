/** Tokens cut from the random pool (src/core/crypto/random-token.ts): never the same bytes twice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomToken } from '../../../src/core/crypto/random-token.js';

test('tokens are base64url of the length asked, and distinct across many pool refills', () => {
  const seen = new Set<string>();
  // 24-byte tokens do not divide the 4 KiB pool: some are drawn right at its end.
  for (let i = 0; i < 5000; i += 1) {
    const token = randomToken(24);
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    seen.add(token);
  }
  assert.equal(seen.size, 5000);
});

test('a token larger than the pool is drawn on its own', () => {
  const token = randomToken(5000);
  assert.equal(Buffer.from(token, 'base64url').length, 5000);
  assert.notEqual(randomToken(5000), token);
});
