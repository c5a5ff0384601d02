// Whether dist/ was compiled from the sources as they are now: a stamp of every input's path,
// size and modification time, written by scripts/build.mjs after a build.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What the build reads; a change to any of them makes dist/ stale. */
const INPUTS = [
  'src',
  'drizzle',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
  'scripts/pglite-template.mjs',
];
const STAMP = path.join(root, 'dist', '.build-stamp');

function* files(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full).sort()) yield* files(path.join(entry, name));
  } else yield entry;
}

export function sourceStamp() {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(input)) {
      const { size, mtimeMs } = statSync(path.join(root, file));
      hash.update(`${file}\0${size}\0${mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

export function buildIsFresh() {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8') === sourceStamp();
}

export function writeStamp() {
  writeFileSync(STAMP, sourceStamp());
}
