// A separate API-like process allocating from an id sequence (core/ids/sequence.ts), for the test
// that processes sharing one state store never get the same number (test/unit/db/collab.test.ts).
// argv: <database config JSON> <sequence name> <count>. Prints the numbers it got as JSON.
import type { DatabaseConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/open.ts';
import { SequenceAllocator } from '../../core/ids/sequence.ts';

const [cfgJson = '{}', name = 's', count = '1'] = process.argv.slice(2);
const db = openDatabase(JSON.parse(cfgJson) as DatabaseConfig);
try {
  const seq = new SequenceAllocator(db, name);
  const got: number[] = [];
  for (let i = 0; i < Number(count); i++) got.push(await seq.next());
  console.log(JSON.stringify(got));
} finally {
  await db.close();
}
