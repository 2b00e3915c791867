// The state store's foundation on both backends: migrations under a lock, legacy-file import.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { DatabaseConfig } from '../../../core/config.ts';
import { importLegacyFiles, type LegacyImport } from '../../../core/db/legacy.ts';
import { migrate, openDatabase } from '../../../core/db/open.ts';
import { createTestDatabase, withEachBackend } from '../../support/db.ts';

const execFileP = promisify(execFile);
const dirs: string[] = [];
const childScript = fileURLToPath(new URL('../../support/db-child.ts', import.meta.url));

/** Runs test/support/db-child.ts in its own process and returns what it printed. */
async function child<T>(cfg: DatabaseConfig, ...args: string[]): Promise<T> {
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(cfg), ...args], { timeout: 60_000 });
  return JSON.parse(stdout) as T;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function config(backend: 'sqlite' | 'postgres'): Promise<DatabaseConfig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-db-'));
  dirs.push(dataDir);
  return { dataDir, poolSize: 2, url: backend === 'postgres' ? await createTestDatabase() : undefined };
}

withEachBackend('state store', (fresh, backend) => {
  test('processes that start together apply each migration once', async () => {
    const cfg = await config(backend);
    const applied = await Promise.all(Array.from({ length: 4 }, () => child<string[]>(cfg, 'migrate')));
    assert.deepEqual(applied.flat().sort(), ['0001_initial', '0002_job_heads', '0003_job_backfills', '0004_alerts', '0005_run_skips', '0006_run_stats_hourly']);
    const db = openDatabase(cfg);
    try {
      const rows = await sql<{ name: string }>`select name from kairos_migrations`.execute(db.kysely);
      assert.deepEqual(rows.rows.map((r) => r.name).sort(), ['0001_initial', '0002_job_heads', '0003_job_backfills', '0004_alerts', '0005_run_skips', '0006_run_stats_hourly']);
      assert.deepEqual(await migrate(db), []);
    } finally {
      await db.close();
    }
  });

  test('a failing migration applies nothing of itself and names itself', async () => {
    const cfg = await config(backend);
    const db = openDatabase(cfg);
    try {
      const broken = {
        '0001_a': { up: async (k: Kysely<unknown>) => void (await k.schema.createTable('t_a').addColumn('x', 'integer').execute()) },
        '0002_b': {
          up: async (k: Kysely<unknown>) => {
            await k.schema.createTable('t_b').addColumn('x', 'integer').execute();
            await sql`select * from no_such_table`.execute(k);
          },
        },
      };
      await assert.rejects(migrate(db, broken), /migration 0002_b/);
      const tables = await db.kysely.introspection.getTables();
      assert.equal(tables.some((t) => t.name === 't_b'), false, 'the failed migration left its table');
    } finally {
      await db.close();
    }
  });

  test('transactions of concurrent processes serialise instead of failing', async () => {
    const cfg = await config(backend);
    const db = openDatabase(cfg);
    try {
      await migrate(db);
      await db.kysely.insertInto('id_sequences').values({ name: 's', next_value: 1 }).execute();
      const got = await Promise.all(Array.from({ length: 3 }, () => child<number[]>(cfg, 'bump', '15')));
      assert.deepEqual(got.flat().sort((x, y) => x - y), Array.from({ length: 45 }, (_, i) => i + 1));
      const end = await db.kysely.selectFrom('id_sequences').select('next_value').where('name', '=', 's').executeTakeFirstOrThrow();
      assert.equal(end.next_value, 46);
    } finally {
      await db.close();
    }
  });

  test('legacy files are imported once, then renamed', async () => {
    const db = await fresh();
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-legacy-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'things.json'), JSON.stringify({ n: 7 }));
    let runs = 0;
    const imp: LegacyImport = {
      file: 'things.json',
      async run(trx, text, { now }) {
        runs++;
        await trx.insertInto('id_sequences').values({ name: 'things', next_value: (JSON.parse(text) as { n: number }).n }).execute();
        assert.match(now, /Z$/);
      },
    };
    // Two starts at once: one imports, the other finds the marker.
    const [x, y] = await Promise.all([importLegacyFiles(db, dataDir, [imp]), importLegacyFiles(db, dataDir, [imp])]);
    assert.equal(x.length + y.length, 1);
    assert.equal(runs, 1);
    assert.deepEqual(readdirSync(dataDir), ['things.json.imported']);
    const row = await db.kysely.selectFrom('id_sequences').select('next_value').where('name', '=', 'things').executeTakeFirstOrThrow();
    assert.equal(row.next_value, 7);
    assert.deepEqual(await importLegacyFiles(db, dataDir, [imp]), []);
  });

  test('a legacy file that fails to import stays, and nothing of it is written', async () => {
    const db = await fresh();
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-legacy-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'bad.json'), '{"secret":"hunter2"');
    const imp: LegacyImport = {
      file: 'bad.json',
      async run(trx, text) {
        await trx.insertInto('id_sequences').values({ name: 'bad', next_value: 1 }).execute();
        JSON.parse(text);
      },
    };
    await assert.rejects(importLegacyFiles(db, dataDir, [imp]), (err: Error) => err.message.includes('bad.json') && !err.message.includes('hunter2'));
    assert.ok(existsSync(join(dataDir, 'bad.json')));
    assert.equal(await db.kysely.selectFrom('id_sequences').select('name').where('name', '=', 'bad').executeTakeFirst(), undefined);
  });
});
