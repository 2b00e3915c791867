// Opens Kairos's state store and brings its schema up to date. Two backends behind one Kysely handle:
//   - SQLite (the default): one file, `<dataDir>/kairos.db`, in WAL mode, so the API and worker
//     processes of one machine share it. Every transaction is BEGIN IMMEDIATE: it takes the write
//     lock up front (waiting up to the busy timeout), so two processes never both read and then
//     fail to upgrade to a write (SQLITE_BUSY mid-transaction), and migrations run under it.
//   - PostgreSQL (KAIROS_DATABASE_URL), for several machines; migrations run under Kysely's advisory
//     lock.
// better-sqlite3 is synchronous: a statement blocks this process's event loop while it runs (and
// while it waits for another process's write lock), so transactions stay short and never await
// anything but their own statements.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
} from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { markConnectFailure } from './errors.ts';
import { migrations, type Backend } from './migrations.ts';
import type { Tables } from './schema.ts';

export const SQLITE_FILE = 'kairos.db';
/** How long a SQLite statement waits for another process's write lock before failing (ms). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** The open store: the typed query handle and what it runs on. */
export interface Db {
  readonly kysely: Kysely<Tables>;
  readonly backend: Backend;
  /** Where it is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite does run DDL in transactions; saying so makes the migrator wrap its work in one (immediate) transaction. */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class KairosSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}

/** A URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured database URL';
  }
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE);
  // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const database = new BetterSqlite3(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  database.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only a power loss may lose the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const kysely = new Kysely<Tables>({ dialect: new KairosSqliteDialect(database) });
  return { kysely, backend: 'sqlite', location: file, close: () => kysely.destroy() };
}

function openPostgres(url: string, poolSize: number): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    // This pool's own parsers (the datasource driver's pg connections keep pg's defaults): BIGINT
    // columns (sequences, audit ids) come back as numbers, which stay far below 2^53 here.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server drops (a restart) must not crash the process. The pool listens to its
  // idle clients only; a checked-out client (between the queries of a transaction, or a query's end
  // and its release) with no listener would throw 'error' unhandled and take the process down, as
  // the scale-out test saw on a PostgreSQL restart. Every client gets a listener: the drop surfaces
  // as its next query's error (503: core/db/errors.ts), and the pool discards it when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // A refused or failed connect is marked as the state store's (core/db/errors.ts: 503, not 500).
  const marked = { options: pool.options, connect: () => pool.connect().catch((err: unknown) => Promise.reject(markConnectFailure(err))), end: () => pool.end() };
  const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: marked }) });
  return { kysely, backend: 'postgres', location: redactUrl(url), close: () => kysely.destroy() };
}

/** Opens the store without touching its schema (tests, tools); `openState` also migrates. */
export function openDatabase(cfg: DatabaseConfig): Db {
  return cfg.url ? openPostgres(cfg.url, cfg.poolSize) : openSqlite(cfg.dataDir);
}

/**
 * Applies the pending migrations under the backend's lock; concurrent callers (processes starting
 * together) apply each migration once. Throws with the failing migration's name.
 */
export async function migrate(db: Db, list: Record<string, Migration> = migrations(db.backend)): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: () => Promise.resolve(list) },
    migrationTableName: 'kairos_migrations',
    migrationLockTableName: 'kairos_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`the state store at ${db.location} could not be migrated${failed ? ` (migration ${failed})` : ''}: ${why}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
