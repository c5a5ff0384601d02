#!/usr/bin/env node
// Compiles src/ to dist/ (plain JavaScript: `npm start` then runs without a TypeScript loader,
// which saves about 80 MB of memory), copies the browser assets the pages serve, and makes the
// embedded database's template cluster (scripts/pglite-template.mjs). Skipped
// when dist/ was built from the sources as they are (scripts/build-stamp.mjs), so `npm start`
// does not compile on every start; `--force` builds anyway.
import { cpSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { buildIsFresh, writeStamp } from './build-stamp.mjs';

if (!process.argv.includes('--force') && buildIsFresh()) process.exit(0);
const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync('src/web/static', 'dist/web/static', { recursive: true });
await (await import('./build-ui.mjs')).buildUi();
await (await import('./pglite-template.mjs')).buildPgliteTemplate();
writeStamp();
