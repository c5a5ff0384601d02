// `npm run db:export -- FILE`: writes the embedded database of TESSERA_DATA_DIR (default ./data)
// as SQL that `psql -f FILE` loads into an empty PostgreSQL database. Stop Tessera first.
import { loadConfig } from '../src/config.js';
import { exportEmbeddedDatabase } from '../src/db/export.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run db:export -- FILE');
  process.exit(64);
}
const { database } = loadConfig();
if (database.kind !== 'pglite') {
  console.error('db:export moves the embedded database; with AUTHENTIK_POSTGRESQL__HOST set, use pg_dump');
  process.exit(64);
}
try {
  const bytes = await exportEmbeddedDatabase(database.dataDir, file);
  console.log(
    `wrote ${file} (${bytes} bytes) from ${database.dataDir}; load it with: psql -v ON_ERROR_STOP=1 -f ${file}`,
  );
} catch (error) {
  console.error(`db:export failed: ${(error as Error).message}`);
  process.exit(1);
}
