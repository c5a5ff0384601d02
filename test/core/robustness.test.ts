/**
 * Odd input on every users/groups/tokens/roles/permissions endpoint: always a 4xx in
 * authentik's shape, never a 500.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { createGroup, createRole, createUser } from '../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });

const ODD_VALUES = [
  '',
  ' ',
  '%00',
  'x%00y',
  '-1',
  '99999999999999999999',
  'true',
  '[]',
  '{',
  "'",
  '%E2%80%9C',
  'a/b',
];
const ODD_BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  { name: null, username: {}, groups: 'x', users: [1.5], roles: [null], attributes: 'x', pk: 'x' },
  { identifier: 'a'.repeat(300), intent: 7, expires: 'soon', user: -5, key: '\u0000' },
  { permissions: [1, null, ''], model: 'x', object_pk: '' },
  { permissions: 'authentik_core.view_user' },
  { password: null },
];

test('no query parameter or body produces a 500', async () => {
  const user = await createUser(t);
  const group = await createGroup(t);
  const role = await createRole(t);
  await t.client.post('/api/v3/core/tokens/', { identifier: 'robust-token' });
  const lists = [
    '/api/v3/core/users/',
    '/api/v3/core/groups/',
    '/api/v3/core/tokens/',
    '/api/v3/rbac/roles/',
    '/api/v3/rbac/permissions/',
    '/api/v3/rbac/permissions/assigned_by_roles/',
    '/api/v3/rbac/permissions/roles/',
  ];
  const params = [
    'search',
    'ordering',
    'page',
    'page_size',
    'username',
    'uuid',
    'type',
    'groups_by_pk',
    'groups_by_name',
    'roles_by_pk',
    'attributes',
    'date_joined__gt',
    'last_login__isnull',
    'members_by_pk',
    'members_by_username',
    'is_superuser',
    'intent',
    'expires',
    'expiring',
    'users',
    'groups',
    'managed',
    'role',
    'model',
    'object_pk',
    'include_groups',
  ];
  for (const list of lists) {
    for (const param of params) {
      for (const value of ODD_VALUES) {
        const url = `${list}?${param}=${value}`;
        const response = await t.app.inject({ url, headers: { authorization: 'Bearer test-admin-token' } });
        assert.ok(response.statusCode < 500, `${url}: ${response.statusCode} ${response.body}`);
      }
    }
  }
  const details = [
    `/api/v3/core/users/${user.pk}/`,
    `/api/v3/core/groups/${group.pk}/`,
    '/api/v3/core/tokens/robust-token/',
    `/api/v3/rbac/roles/${role.pk}/`,
  ];
  const posts = [
    '/api/v3/core/users/',
    `/api/v3/core/users/${user.pk}/set_password/`,
    '/api/v3/core/groups/',
    `/api/v3/core/groups/${group.pk}/add_user/`,
    '/api/v3/core/tokens/',
    '/api/v3/core/tokens/robust-token/set_key/',
    '/api/v3/rbac/roles/',
    `/api/v3/rbac/roles/${role.pk}/add_user/`,
    `/api/v3/rbac/permissions/assigned_by_roles/${role.pk}/assign/`,
  ];
  for (const body of ODD_BODIES) {
    const payload = JSON.stringify(body);
    const headers = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' };
    for (const url of posts) {
      const response = await t.app.inject({ method: 'POST', url, headers, payload });
      assert.ok(response.statusCode < 500, `POST ${url} ${payload}: ${response.statusCode} ${response.body}`);
    }
    for (const url of [...details, `/api/v3/rbac/permissions/assigned_by_roles/${role.pk}/unassign/`]) {
      for (const method of ['PUT', 'PATCH'] as const) {
        const response = await t.app.inject({ method, url, headers, payload });
        assert.ok(
          response.statusCode < 500,
          `${method} ${url} ${payload}: ${response.statusCode} ${response.body}`,
        );
      }
    }
  }
  for (const id of ['0', '-1', '99999999999', 'x%00', '%E2%80%9C', '00000000-0000-4000-8000-000000000000']) {
    for (const base of [
      '/api/v3/core/users/',
      '/api/v3/core/groups/',
      '/api/v3/core/tokens/',
      '/api/v3/rbac/roles/',
      '/api/v3/rbac/permissions/',
    ]) {
      const response = await t.app.inject({
        url: `${base}${id}/`,
        headers: { authorization: 'Bearer test-admin-token' },
      });
      assert.ok(response.statusCode < 500, `${base}${id}/: ${response.statusCode} ${response.body}`);
    }
  }
});
