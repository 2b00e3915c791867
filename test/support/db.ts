// State stores for tests, on the backend this run uses (scripts/test-db.ts): a SQLite file in a
// temporary directory, or a fresh PostgreSQL database. `withEachBackend` runs a store's test suite
// on both, one conformance suite for the two adapters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import type { DatabaseConfig } from '../../core/config.ts';
import { openState, type Db, type OpenStateOptions } from '../../core/db/state.ts';
import { createTestDatabase, testBackend, type TestBackend } from '../../scripts/test-db.ts';

export { createTestDatabase, testBackend, type TestBackend } from '../../scripts/test-db.ts';

/** A fresh, migrated store on `backend`, with its data dir; `close` also removes the dir. */
export interface TestState {
  db: Db;
  cfg: DatabaseConfig;
  dataDir: string;
  close(): Promise<void>;
}

/** Opens a fresh, migrated state store (no legacy files are imported unless `opts.imports` names them). */
export async function freshState(backend: TestBackend = testBackend(), opts: OpenStateOptions & { dataDir?: string } = {}): Promise<TestState> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kairos-db-'));
  const cfg: DatabaseConfig = { dataDir, poolSize: 4, url: backend === 'postgres' ? await createTestDatabase() : undefined };
  const db = await openState(cfg, { imports: opts.imports ?? [] });
  return {
    db,
    cfg,
    dataDir,
    async close() {
      await db.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `suite` once per backend, each in its own `describe`, with a fresh store made by `fresh()`
 * (call it per test, or once per suite). Stores are closed when the file ends.
 */
export function withEachBackend(name: string, suite: (fresh: () => Promise<Db>, backend: TestBackend) => void): void {
  for (const backend of ['sqlite', 'postgres'] as const) {
    describe(`${name} [${backend}]`, () => {
      const opened: TestState[] = [];
      after(async () => {
        await Promise.all(opened.map((s) => s.close()));
      });
      suite(async () => {
        const s = await freshState(backend);
        opened.push(s);
        return s.db;
      }, backend);
    });
  }
}
