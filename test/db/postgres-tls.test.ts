/**
 * libpq's sslmode values as node-postgres TLS options (src/db/postgres.ts), and `allow` and
 * `prefer` falling back as libpq does, against real servers: the machine's PostgreSQL (no TLS)
 * and the test replica of scripts/test-services.sh (TLS or plain text, TLS only for the role
 * tessera_tls_only).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { PostgresTls } from '../../src/config.js';
import { createPool, tlsOptions, waitForServer } from '../../src/db/postgres.js';
import { serverSettings } from '../helpers/database.js';
import { REPLICA_PORT, requireServices } from '../helpers/services.js';

const folder = mkdtempSync(path.join(tmpdir(), 'tessera-tls-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const ca = path.join(folder, 'ca.pem');
writeFileSync(ca, 'CA');

test('disable and allow start without TLS, prefer with TLS that checks nothing', () => {
  for (const mode of ['disable', 'allow'] as const) assert.equal(tlsOptions({ mode }), false);
  const prefer = tlsOptions({ mode: 'prefer' });
  assert.ok(prefer);
  assert.equal(prefer.rejectUnauthorized, false);
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

const skip = await requireServices({ replica: REPLICA_PORT });

describe('sslmode against real servers', { skip }, () => {
  /** Whether a connection under `tls` to host:port is encrypted; throws when none is made. */
  async function encrypted(host: string, port: number, tls: PostgresTls, role?: string): Promise<boolean> {
    const { password } = serverSettings();
    const user = role ?? serverSettings().user;
    const pool = createPool(
      { host, port, user, password, name: 'postgres', tls },
      { max: 1, statementTimeoutMs: 0, usePgbouncer: false },
    );
    try {
      await waitForServer(pool, `${host}:${port}`, 1, () => undefined, tls);
      const { rows } = await pool.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return rows[0].ssl;
    } finally {
      await pool.end();
    }
  }
  const primary = serverSettings();
  /** The role the replica takes over TLS only (scripts/test-services.sh). */
  const TLS_ONLY = 'tessera_tls_only';

  test('prefer encrypts where the server has TLS, and falls back to plain text where it has none', async () => {
    assert.equal(await encrypted('127.0.0.1', REPLICA_PORT, { mode: 'prefer' }), true);
    assert.equal(await encrypted(primary.host, primary.port, { mode: 'prefer' }), false);
  });

  test('allow stays in plain text where the server takes it, and encrypts where it takes only TLS', async () => {
    assert.equal(await encrypted(primary.host, primary.port, { mode: 'allow' }), false);
    assert.equal(await encrypted('127.0.0.1', REPLICA_PORT, { mode: 'allow' }, TLS_ONLY), true);
  });

  test('require and disable do not fall back', async () => {
    await assert.rejects(encrypted(primary.host, primary.port, { mode: 'require' }), /does not support SSL/);
    await assert.rejects(
      encrypted('127.0.0.1', REPLICA_PORT, { mode: 'disable' }, TLS_ONLY),
      /no encryption/,
    );
  });
});
