/**
 * Random tokens (session keys, CSRF tokens) cut from a pool of the operating system's random
 * bytes, which is what Node does for `randomUUID()`. Every `randomBytes()` call crosses into
 * OpenSSL and the kernel, and one such call costs about as much as filling a whole 4 KiB pool
 * (bench/ measures it). A visitor refused at an invitation
 * link draws two tokens, so a crowd of them paid for 2 calls each. Bytes are handed out once
 * and never reused; the pool is refilled when it runs out.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` random bytes as base64url (what `randomBytes(bytes).toString('base64url')` gives). */
export function randomToken(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('base64url');
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  // Zeroed as handed out, so that a token's bytes do not stay in memory beside the next ones.
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}
