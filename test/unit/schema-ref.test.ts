/** The one `$ref` resolver (src/api/schema-ref.ts) behind request validation and response serialization. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSchema } from '../../src/api/schema-ref.js';
import type { JsonSchema, SchemaRegistry } from '../../src/api/validation.js';

const user: JsonSchema = { $id: 'User', type: 'object', properties: { pk: { type: 'integer' } } };
const registry: SchemaRegistry = new Map([['User', user]]);

test('a bare reference resolves to the registered schema itself, in any spelling', () => {
  for (const $ref of ['User', '#/components/schemas/User', 'User#']) {
    assert.equal(resolveSchema({ $ref }, registry), user, $ref);
  }
});

test('keywords beside a reference or a single allOf override the target and drop the wrapper', () => {
  assert.deepEqual(resolveSchema({ $ref: 'User', nullable: true }, registry), { ...user, nullable: true });
  const wrapped = resolveSchema({ allOf: [{ $ref: 'User' }], readOnly: true, description: 'd' }, registry);
  assert.deepEqual(wrapped, { ...user, readOnly: true, description: 'd' });
  assert.equal(wrapped.allOf, undefined);
});

test('the same input resolves to the same object, so writers cached by identity are found again', () => {
  const property: JsonSchema = { $ref: 'User', nullable: true };
  assert.equal(resolveSchema(property, registry), resolveSchema(property, registry));
});

test('schemas that are neither come back unchanged', () => {
  const plain: JsonSchema = { type: 'string' };
  assert.equal(resolveSchema(plain, registry), plain);
  const typed: JsonSchema = { type: 'object', allOf: [{ $ref: 'User' }] };
  assert.equal(resolveSchema(typed, registry), typed);
});

test('a reference to an unregistered schema throws', () => {
  assert.throws(() => resolveSchema({ $ref: 'Missing' }, registry), /unknown schema reference Missing/);
});
