// Imports the JSON files of a data dir written before the state store existed (auth.json,
// secrets.json, shares.json, …), so that nobody's users, keys or secrets are lost on upgrade.
// Each file is read and written into the store in one transaction, together with a marker
// (`imported:<file>:<sha256 of its text>`); after the commit the file is renamed `<file>.imported`.
// Processes that start together import a file once (the second sees the marker), a crash between
// the commit and the rename only leaves the rename for the next start, and the same file in the data
// dirs of several machines sharing one PostgreSQL is imported once.
import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import type { Db } from './open.ts';
import type { Tables } from './schema.ts';

/** How one legacy file enters the store. */
export interface LegacyImport {
  /** The file's name in the data dir. */
  file: string;
  /**
   * Writes the file's contents through `trx`; a throw imports nothing and stops the start. `text` is
   * the contents as UTF-8, `bytes` as read (for a binary file such as a key).
   */
  run(trx: Transaction<Tables>, text: string, ctx: { now: string; bytes: Buffer }): Promise<void>;
}

export const IMPORTED_SUFFIX = '.imported';

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

/** Imports each legacy file present in `dataDir`, in the order given; returns the files imported now. */
export async function importLegacyFiles(db: Db, dataDir: string, imports: readonly LegacyImport[], now = () => new Date()): Promise<string[]> {
  const done: string[] = [];
  for (const imp of imports) {
    const path = join(dataDir, imp.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    const text = bytes.toString('utf8');
    const marker = `imported:${imp.file}:${createHash('sha256').update(bytes).digest('hex')}`;
    const at = now().toISOString();
    const imported = await db.kysely.transaction().execute(async (trx) => {
      // Serialise importers of this file: SQLite's transactions already are (BEGIN IMMEDIATE); on
      // PostgreSQL two would both miss the marker and one would fail on inserting it.
      if (db.backend === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${marker}))`.execute(trx);
      const seen = await trx.selectFrom('settings').select('key').where('key', '=', marker).executeTakeFirst();
      if (seen) return false;
      try {
        await imp.run(trx, text, { now: at, bytes });
      } catch (err) {
        // Never quotes the file: it may hold hashes or secrets.
        throw new Error(`could not import ${path} into the state store: ${(err as Error).message}`, { cause: err });
      }
      await trx.insertInto('settings').values({ key: marker, value: at, updated_at: at }).execute();
      return true;
    });
    try {
      await rename(path, path + IMPORTED_SUFFIX);
    } catch (err) {
      // Another process renamed it first.
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (imported) done.push(imp.file);
  }
  return done;
}
