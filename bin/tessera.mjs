#!/usr/bin/env node
// The `tessera` command. It runs the compiled CLI from dist/ when that was built from the
// current sources (`npm run build`), and otherwise the TypeScript sources through tsx, so a
// checkout works before and between builds.
import { buildIsFresh } from '../scripts/build-stamp.mjs';

if (buildIsFresh()) {
  await import('../dist/cli/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/cli.ts');
}
