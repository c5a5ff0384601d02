/**
 * The response writer (src/api/serialization.ts) writes scalars itself rather than through
 * JSON.stringify: its text must be JSON.stringify's for every value, escapes included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSerializer, RawJson } from '../../src/api/serialization.js';
import type { JsonSchema } from '../../src/api/validation.js';

const schema: JsonSchema = {
  type: 'object',
  properties: { text: { type: 'string' }, number: { type: 'number' }, flag: { type: 'boolean' } },
};
const write = compileSerializer(schema, new Map());

test('strings are written as JSON.stringify writes them, escapes and surrogates included', () => {
  const strings = [
    '',
    'plain',
    'a "quoted" word',
    'back\\slash',
    'tab\tnew\nline\u0000\u001f',
    '\u007f del and é, ß, 中文',
    '\u2028\u2029',
    'emoji 😀 pair',
    'lone \ud800 high',
    'lone \udc00 low',
    '</script>',
  ];
  for (const text of strings) assert.equal(write({ text }), JSON.stringify({ text }));
});

test('numbers and booleans are written as JSON.stringify writes them', () => {
  for (const number of [0, -0, 1.5, -3, 1e21, 1e-7, 2 ** 53, Number.NaN, Infinity, -Infinity]) {
    assert.equal(write({ number }), JSON.stringify({ number }));
  }
  assert.equal(write({ flag: true, number: 1 }), '{"number":1,"flag":true}');
  assert.equal(write({ flag: false }), '{"flag":false}');
});

test('stored JSON is copied in, and undeclared fields are dropped', () => {
  assert.equal(write({ text: new RawJson('[1,2]'), other: 'x' }), '{"text":[1,2]}');
});
