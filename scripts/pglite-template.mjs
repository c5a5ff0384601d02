// The cluster a new embedded data folder starts from: PGlite's initdb and Tessera's migrations,
// run once here by `npm run build` and stored as dist/db/pglite-template.tar.gz. initdb in
// WebAssembly takes seconds of CPU, most of a first start; unpacking the result takes a
// fraction of that (src/db/pglite.worker.ts). The template holds no data of an install (the
// bootstrap runs at start), and migrations added after it are applied at start as usual.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';

export const TEMPLATE = 'dist/db/pglite-template.tar.gz';

export async function buildPgliteTemplate(file = TEMPLATE) {
  const client = await PGlite.create('memory://', { extensions: { pg_trgm } });
  try {
    await migrate(drizzle(client), { migrationsFolder: 'drizzle' });
    const archive = await client.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await archive.arrayBuffer()));
  } finally {
    await client.close();
  }
}
