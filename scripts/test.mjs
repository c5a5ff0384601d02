#!/usr/bin/env node
// Runs every test/**/*.test.ts file with node's test runner (Node 20's --test takes no globs).
// Extra arguments are passed to the runner; a path argument narrows the files. Every file
// runs with test/helpers/prototype-guard.mjs, which fails it if it polluted a prototype.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  return Math.max(
    0,
    ...readdirSync(dir).map((name) => {
      const path = join(dir, name);
      const stat = statSync(path);
      return stat.isDirectory() ? newest(path) : stat.mtimeMs;
    }),
  );
}

// The browser tests and the admin routes serve dist/web/admin: build it when it is missing or
// older than web/admin/, so a fresh clone's `npm test` needs no separate build.
if (
  !existsSync('dist/web/admin/index.html') ||
  newest('web/admin') > statSync('dist/web/admin/index.html').mtimeMs
) {
  await (await import('./build-ui.mjs')).buildUi();
}

const args = process.argv.slice(2);
const paths = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const files = paths.length > 0 ? paths : find('test').sort();
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/helpers/prototype-guard.mjs',
    '--test',
    '--test-concurrency=2',
    // A test that hangs (a browser that stops answering, say) fails after five minutes instead
    // of holding CI until its own limit; flags given on the command line come after and win.
    '--test-timeout=300000',
    ...flags,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
