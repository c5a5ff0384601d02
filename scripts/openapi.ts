/**
 * Writes the OpenAPI document Tessera serves to openapi.yml (`npm run openapi:generate`), or
 * with --check fails when the committed copy is stale (`npm run openapi:check`).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import YAML from 'yaml';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildDocument } from '../src/api/schema.routes.js';

const config = loadConfig({ TESSERA_DATA_DIR: 'memory://' });
config.database.dataDir = 'memory://';
const app = await buildApp(config, { logger: false });
await app.ready();
const yaml = YAML.stringify(buildDocument(app), { aliasDuplicateObjects: false });
await app.close();

if (process.argv.includes('--check')) {
  const committed = existsSync('openapi.yml') ? readFileSync('openapi.yml', 'utf8') : '';
  if (committed !== yaml) {
    console.error('openapi.yml is stale: run `npm run openapi:generate` and commit it.');
    process.exit(1);
  }
  console.log('openapi.yml is up to date');
} else {
  writeFileSync('openapi.yml', yaml);
  console.log('wrote openapi.yml');
}
