// The cluster a new embedded data folder starts from: PGlite's initdb and Tessera's migrations,
// run once here by `npm run build` and stored as dist/db/pglite-template.tar.gz. initdb in
// WebAssembly takes seconds of CPU, most of a first start; unpacking the result takes a
// fraction of that (src/db/pglite.worker.ts). The template holds no data of an install (the
// bootstrap runs at start), and migrations added after it are applied at start as usual. A
// checkpoint before the dump leaves PostgreSQL next to nothing to redo when it opens a copy.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

export const TEMPLATE = 'dist/db/pglite-template.tar.gz';

/**
 * PGlite opens one database, template1, and Tessera never opens another; initdb's `postgres`
 * and `template0` are half the cluster's files, which a first start would write out for
 * nothing. template0 is dropped as PostgreSQL allows for a template: after marking it an
 * ordinary database.
 */
const UNUSED_DATABASES = [
  'DROP DATABASE postgres',
  "UPDATE pg_database SET datistemplate = false WHERE datname = 'template0'",
  'DROP DATABASE template0',
];

export async function buildPgliteTemplate(file = TEMPLATE) {
  const client = await PGlite.create('memory://', { extensions: { pg_trgm } });
  try {
    await migrate(drizzle(client), { migrationsFolder: 'drizzle' });
    // One at a time: a multi-statement string runs as one transaction, and DROP DATABASE
    // refuses to run inside one.
    for (const statement of UNUSED_DATABASES) await client.exec(statement);
    await client.exec('CHECKPOINT');
    const archive = await client.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await archive.arrayBuffer()));
  } finally {
    await client.close();
  }
}
