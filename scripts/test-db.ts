// Fresh PostgreSQL databases for the test suite's state stores. The suite runs twice, once per
// backend (KAIROS_TEST_DATABASE=sqlite|postgres, set by scripts/run-tests.ts); on PostgreSQL every
// stack and every store test gets a database of its own, named with the run's prefix
// (KAIROS_TEST_DB_PREFIX) so the runner drops them all at the end, even after a crash of a test file.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use: the machine's PostgreSQL (trust auth), as in CI. */
export const TEST_PG_ADMIN_URL = process.env.KAIROS_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestBackend = 'sqlite' | 'postgres';

/** The backend this test process runs on (default SQLite). */
export function testBackend(env: NodeJS.ProcessEnv = process.env): TestBackend {
  return env.KAIROS_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}

/** The prefix of this run's databases (one per run, so concurrent runs never drop each other's). */
export function testDbPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAIROS_TEST_DB_PREFIX ?? `kairos_t_${process.pid}`;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database and returns its URL. */
export async function createTestDatabase(prefix = testDbPrefix()): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  // A name of our own making (letters, digits, underscores): safe to quote as an identifier.
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops every database whose name starts with `prefix` (closing their connections first). */
export async function dropTestDatabases(prefix: string): Promise<number> {
  return await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix + '_']);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  });
}

/** The environment a private stack needs for its state store: a fresh database on PostgreSQL, nothing on SQLite. */
export async function stateStoreEnv(env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  return testBackend(env) === 'postgres' ? { KAIROS_DATABASE_URL: await createTestDatabase(testDbPrefix(env)) } : {};
}
