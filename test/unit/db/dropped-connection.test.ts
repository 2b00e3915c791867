// A PostgreSQL connection that the server drops while Kairos holds it (between the statements of a
// transaction) fails that transaction, not the process: the pool used to leave checked-out clients
// without an 'error' listener, and a server restart crashed every API and worker with an unhandled
// 'error' event (found by test/scale). The next request gets a fresh connection.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../../core/db/open.ts';
import { isDatabaseUnavailable } from '../../../core/db/errors.ts';
import { createTestDatabase } from '../../support/db.ts';
import { waitFor } from '../../support/wait-for.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

test('a connection dropped mid-transaction fails the transaction as unavailable; the process lives and the next query works', async () => {
  const url = await createTestDatabase();
  const db = openDatabase({ url, poolSize: 2, dataDir: '' });
  closers.push(() => db.close());
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  closers.push(() => admin.end());

  const failed = await db.kysely
    .transaction()
    .execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
      const pid = rows[0]?.pid;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // The backend is gone (and its socket closed) while this transaction holds the client, idle.
      await waitFor(async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, 10_000, 'the backend to exit');
      await admin.query('SELECT 1');
      await sql`SELECT 1`.execute(trx);
    })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  assert.ok(failed instanceof Error, 'the transaction fails');
  assert.ok(isDatabaseUnavailable(failed), `a dropped connection reads as unavailable: ${String(failed)}`);
  const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely);
  assert.deepEqual(rows, [{ one: 1 }], 'the pool replaced the dropped connection');
});

test('a state store that refuses connections answers as unavailable, not as an internal error', async () => {
  // A port nothing listens on (the connection is refused at once).
  const db = openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1, dataDir: '' });
  closers.push(() => db.close());
  const failed = await sql`SELECT 1`.execute(db.kysely).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(failed instanceof Error);
  assert.ok(isDatabaseUnavailable(failed), `refused reads as unavailable: ${String(failed)}`);
});
