#!/usr/bin/env node
// Fails when src/db/schema.ts or a stage folder's table has changes that no committed migration covers
// (the counterpart of authentik's `makemigrations --check`).
import { readdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const before = new Set(readdirSync('drizzle'));
const journal = readFileSync('drizzle/meta/_journal.json', 'utf8');
const run = spawnSync('npx', ['drizzle-kit', 'generate', '--name', 'pending_check'], { encoding: 'utf8' });
const created = readdirSync('drizzle').filter((f) => !before.has(f));
const snapshots = readdirSync('drizzle/meta').filter((f) => f.endsWith('_snapshot.json'));
if (created.length > 0) {
  for (const file of created) rmSync(`drizzle/${file}`);
  const newest = snapshots.sort().at(-1);
  if (newest) rmSync(`drizzle/meta/${newest}`);
  writeFileSync('drizzle/meta/_journal.json', journal);
  console.error(
    'src/db/schema.ts or a stage table (src/stages/*/*.table.ts) has changes without a migration: run `npm run db:generate` and commit it.',
  );
  process.exit(1);
}
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  process.exit(run.status ?? 1);
}
console.log('migrations are up to date');
