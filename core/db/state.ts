// The one way a process opens Kairos's state: the store (core/db/open.ts), its schema brought up to
// date, and an older data dir's JSON files imported (core/db/legacy.ts). The API, the worker, the
// start command and the test harness all call this.
import type { DatabaseConfig } from '../config.ts';
import { importLegacyFiles, type LegacyImport } from './legacy.ts';
import { migrate, openDatabase, type Db } from './open.ts';
import { sharesImport } from '../sharing/legacy.ts';

export type { Db } from './open.ts';

/**
 * The legacy files, in import order. Each store that replaced a data-dir file adds its importer
 * here (the stores' modules own the files' formats).
 */
export function legacyImports(): LegacyImport[] {
  return [sharesImport];
}

export interface OpenStateOptions {
  /** Legacy files to import (default: legacyImports()). */
  imports?: readonly LegacyImport[];
}

/** Opens the state store, migrates it and imports legacy files; closes it again if any of that fails. */
export async function openState(cfg: DatabaseConfig, opts: OpenStateOptions = {}): Promise<Db> {
  const db = openDatabase(cfg);
  try {
    await migrate(db);
    await importLegacyFiles(db, cfg.dataDir, opts.imports ?? legacyImports());
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
