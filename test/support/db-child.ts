// A separate process on a state store, for tests of what concurrent processes do (in one process,
// better-sqlite3's synchronous lock waits would block the very event loop that holds the lock).
// argv: <database config JSON> migrate | bump <times>. Prints a JSON result on stdout.
import { sql } from 'kysely';
import type { DatabaseConfig } from '../../core/config.ts';
import { migrate, openDatabase } from '../../core/db/open.ts';

const [cfgJson = '{}', action = 'migrate', arg = '1'] = process.argv.slice(2);
const db = openDatabase(JSON.parse(cfgJson) as DatabaseConfig);
try {
  if (action === 'migrate') {
    console.log(JSON.stringify(await migrate(db)));
  } else {
    const got: number[] = [];
    for (let i = 0; i < Number(arg); i++) {
      got.push(
        await db.kysely.transaction().execute(async (trx) => {
          // FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write lock.
          const row = await (db.backend === 'postgres'
            ? sql<{ next_value: number }>`select next_value from id_sequences where name = 's' for update`.execute(trx).then((r) => r.rows[0]!)
            : trx.selectFrom('id_sequences').select('next_value').where('name', '=', 's').executeTakeFirstOrThrow());
          await trx.updateTable('id_sequences').set({ next_value: Number(row.next_value) + 1 }).where('name', '=', 's').execute();
          return Number(row.next_value);
        }),
      );
    }
    console.log(JSON.stringify(got));
  }
} finally {
  await db.close();
}
