#!/usr/bin/env node
// Compiles src/ to dist/ (plain JavaScript: `npm start` then runs without a TypeScript loader,
// which saves about 80 MB of memory) and copies the browser assets the pages serve.
import { cpSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

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
