/**
 * The move from the embedded database to PostgreSQL: `npm run db:export -- FILE` writes the
 * embedded database as a plain SQL dump that `psql -f FILE` loads into an empty PostgreSQL
 * database; Tessera started on that database finds every object, user, password and token
 * as they were (docs/operations.md, "Moving to PostgreSQL").
 *
 * The dump is PostgreSQL's own pg_dump, built to WebAssembly by PGlite's authors
 * (@electric-sql/pglite-tools), so it works offline and needs no PostgreSQL installed. It runs
 * on a stopped instance: the data folder's lock refuses a folder a running Tessera holds.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';
import { clusterDir, lockDataDir } from './client.js';

/**
 * Settings pg_dump 17 (PGlite's version) writes that older servers reject; the dump sets each
 * to its default, so leaving them out changes nothing.
 */
const NEWER_SETTINGS = /^SET transaction_timeout = 0;\n/m;

/** Writes the embedded database in `dataDir` to `file` as SQL; returns the dump's size in bytes. */
export async function exportEmbeddedDatabase(dataDir: string, file: string): Promise<number> {
  if (!existsSync(path.join(clusterDir(dataDir), 'PG_VERSION'))) {
    throw new Error(`${dataDir} holds no embedded database (TESSERA_DATA_DIR)`);
  }
  const release = lockDataDir(dataDir);
  try {
    const pg = await PGlite.create(clusterDir(dataDir), { extensions: { pg_trgm } });
    try {
      // No owners or grants: the database they load into has its own roles.
      const dump = await pgDump({ pg, args: ['--no-owner', '--no-privileges'] });
      const text = (await dump.text()).replace(NEWER_SETTINGS, '');
      await writeFile(file, text);
      return Buffer.byteLength(text);
    } finally {
      await pg.close();
    }
  } finally {
    release();
  }
}
