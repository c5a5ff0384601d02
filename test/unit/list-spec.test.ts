/**
 * List declarations (src/api/list-spec.ts): the owner scope fails closed, and same-named
 * ordering columns come from one space-separated list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { defineList, sameNamedColumns } from '../../src/api/list-spec.js';

const dialect = new PgDialect();
const pageSizes = { defaultPageSize: 20, maxPageSize: 100 };

const declaration = {
  select: sql`t.pk`,
  from: sql`things t`,
  pk: sql`t.pk`,
  filters: {},
  ordering: sameNamedColumns('t', 'name slug'),
  defaultOrdering: ['name'] as const,
};

test("a caller limited to their own rows gets the owner column's condition", () => {
  const list = defineList({ ...declaration, owner: sql`t.user_id` });
  const parts = list.listSql(list.parse({}, pageSizes), undefined, 7);
  const where = dialect.sqlToQuery(sql.join(parts.where, sql` AND `));
  assert.equal(where.sql, 't.user_id = $1');
  assert.deepEqual(where.params, [7]);
});

test('an owner scope on a list without an owner column refuses rather than lists every row', () => {
  const list = defineList(declaration);
  assert.throws(() => list.listSql(list.parse({}, pageSizes), undefined, 7), /owner column/);
  // Without an owner to limit to, the same list is unrestricted.
  assert.deepEqual(list.listSql(list.parse({}, pageSizes), undefined).where, []);
});

test('sameNamedColumns quotes each field under the alias', () => {
  const columns = sameNamedColumns('t', 'name  slug');
  assert.deepEqual(Object.keys(columns), ['name', 'slug']);
  assert.equal(dialect.sqlToQuery(columns.slug).sql, 't."slug"');
});
