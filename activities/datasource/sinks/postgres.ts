// A PostgreSQL table, written by upsert on the key: `INSERT … SELECT … FROM json_populate_recordset
// … ON CONFLICT (key) DO UPDATE`. One parameter per batch whatever its size, PostgreSQL casts each
// JSON value to its column's type, and writing a batch twice leaves the table as writing it once.
// With `create`, a missing table is created from the mapping (key = primary key).
import { final, pgFailure } from '../failures.ts';
import { PG_TYPES, type Row } from '../mapping.ts';
import { connect, ident, tableIdent, type PgClient } from '../pg.ts';
import type { Field, SinkSpec } from '../../../core/drivers/datasource.ts';
import type { Batch, Sink } from './types.ts';

type PgSinkSpec = Extract<SinkSpec, { kind: 'postgres' }>;
const TYPE = 'SinkUnavailable';

async function ensureTable(client: PgClient, spec: PgSinkSpec, key: string, mapping: Record<string, Field> | undefined): Promise<void> {
  if (spec.create && mapping) {
    const cols = Object.entries(mapping).map(([name, f]) => `${ident(name)} ${PG_TYPES[f.type]}${name === key ? ' NOT NULL' : ''}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tableIdent(spec.table)} (${cols.join(', ')}, PRIMARY KEY (${ident(key)}))`);
  }
  const r = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [tableIdent(spec.table)]);
  if (!r.rows[0]?.t) throw final(`PostgreSQL sink: table ${spec.table} does not exist (set sink.create: true to create it from the mapping)`, 'SinkConfig');
}

export async function postgresSink(spec: PgSinkSpec, key: string, mapping: Record<string, Field> | undefined): Promise<Sink> {
  const client = await connect(spec.connection, { what: 'PostgreSQL sink', type: TYPE });
  try {
    await ensureTable(client, spec, key, mapping);
  } catch (err) {
    await client.end().catch(() => {});
    throw pgFailure(err, `PostgreSQL sink ${spec.table}`, 'SinkConfig');
  }
  const table = tableIdent(spec.table);
  const mapped = mapping ? Object.keys(mapping) : undefined;
  return {
    async write(batch: Batch) {
      if (batch.rows.length === 0) return;
      // One statement cannot update a row twice: within a batch, the last record of a key wins.
      const byKey = new Map<unknown, Row>();
      for (const r of batch.rows) byKey.set(r[key], r);
      const rows = [...byKey.values()];
      const cols = mapped ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const list = cols.map(ident).join(', ');
      const updates = cols.filter((c) => c !== key).map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
      const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
      const sql = `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json) ON CONFLICT (${ident(key)}) ${onConflict}`;
      try {
        await client.query(sql, [JSON.stringify(rows)]);
      } catch (err) {
        throw pgFailure(err, `PostgreSQL sink ${spec.table}`, 'SinkRejected');
      }
    },
    position: () => ({}),
    close: () => client.end().catch(() => {}),
  };
}
