// The one way a process opens Kairos's state: the store (core/db/open.ts), its schema brought up to
// date, the secret key checked against it (core/secrets/cipher.ts: a wrong key stops the start), and
// an older data dir's files imported (core/db/legacy.ts). The API, the worker, the start command and
// the test harness all call this.
import type { DatabaseConfig } from '../config.ts';
import { authFileImport } from '../auth/legacy.ts';
import { favoritesImport } from '../favorites/store.ts';
import { naturalIdsImport } from '../names/store.ts';
import { tokenKeyImport } from '../auth/tokens.ts';
import { openSecretCipher, type SecretCipher } from '../secrets/cipher.ts';
import { secretsImport } from '../secrets/legacy.ts';
import { sharesImport } from '../sharing/legacy.ts';
import { importLegacyFiles, type LegacyImport } from './legacy.ts';
import { migrate, openDatabase, type Db } from './open.ts';

export type { Db } from './open.ts';

/**
 * The legacy files, in import order. Each store that replaced a data-dir file adds its importer
 * here (the stores' modules own the files' formats). Secrets and keys are encrypted on their way
 * in with `cipher`, the secret key openState has just checked.
 */
export function legacyImports(cipher: SecretCipher): LegacyImport[] {
  return [authFileImport, favoritesImport, naturalIdsImport, sharesImport, secretsImport(cipher), tokenKeyImport(cipher)];
}

export interface OpenStateOptions {
  /** Legacy files to import (default: legacyImports(cipher)); a function gets the checked cipher. */
  imports?: readonly LegacyImport[] | ((cipher: SecretCipher) => readonly LegacyImport[]);
}

/** Opens the state store, migrates it and imports legacy files; closes it again if any of that fails. */
export async function openState(cfg: DatabaseConfig, opts: OpenStateOptions = {}): Promise<Db> {
  const db = openDatabase(cfg);
  try {
    await migrate(db);
    const cipher = await openSecretCipher(db, cfg);
    const imports = typeof opts.imports === 'function' ? opts.imports(cipher) : (opts.imports ?? legacyImports(cipher));
    await importLegacyFiles(db, cfg.dataDir, imports);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
