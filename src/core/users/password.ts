/**
 * Password hashing with scrypt, a memory-hard function built into Node, in the encoding of
 * Django's ScryptPasswordHasher (`scrypt$<salt>$<N>$<r>$<p>$<base64 hash>`), so hashes
 * migrated from an authentik database that used that hasher verify too.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 2 ** 14;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;

function scrypt(password: string, salt: string, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16).toString('base64url');
  const key = await scrypt(password, salt, { N, r: R, p: P });
  return `scrypt$${salt}$${N}$${R}$${P}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, encoded: string | null): Promise<boolean> {
  if (!encoded) return false;
  const [algorithm, salt, n, r, p, hash] = encoded.split('$');
  if (algorithm !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, salt, { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
