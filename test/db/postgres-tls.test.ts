/** libpq's sslmode values as node-postgres TLS options (src/db/postgres.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { tlsOptions } from '../../src/db/postgres.js';

const folder = mkdtempSync(path.join(tmpdir(), 'tessera-tls-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const ca = path.join(folder, 'ca.pem');
writeFileSync(ca, 'CA');

test('disable, allow and prefer connect without TLS', () => {
  for (const mode of ['disable', 'allow', 'prefer'] as const) assert.equal(tlsOptions({ mode }), false);
});

test('require encrypts without checking, unless a root certificate is given', () => {
  const unchecked = tlsOptions({ mode: 'require' });
  assert.ok(unchecked);
  assert.equal(unchecked.rejectUnauthorized, false);
  const checked = tlsOptions({ mode: 'require', rootCert: ca });
  assert.ok(checked);
  assert.equal(checked.rejectUnauthorized, true);
  assert.equal(checked.ca, 'CA');
});

test('verify-ca checks the chain but not the host name; verify-full checks both', () => {
  const chain = tlsOptions({ mode: 'verify-ca', rootCert: ca });
  assert.ok(chain);
  assert.equal(chain.rejectUnauthorized, true);
  assert.equal(typeof chain.checkServerIdentity, 'function');
  const full = tlsOptions({ mode: 'verify-full', rootCert: ca });
  assert.ok(full);
  assert.equal(full.rejectUnauthorized, true);
  assert.equal(full.checkServerIdentity, undefined);
});

test('a certificate file that cannot be read names its setting', () => {
  assert.throws(
    () => tlsOptions({ mode: 'verify-full', rootCert: path.join(folder, 'missing.pem') }),
    /AUTHENTIK_POSTGRESQL__SSLROOTCERT/,
  );
});
