#!/usr/bin/env node
// Runs every test/**/*.test.ts file with node's test runner (Node 20's --test takes no globs).
// Extra arguments are passed to the runner; a path argument narrows the files. Every file
// runs with test/helpers/prototype-guard.mjs, which fails it if it polluted a prototype.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'helpers' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
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
    ...flags,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
