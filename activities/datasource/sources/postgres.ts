// A PostgreSQL query read in pages by keyset: `SELECT * FROM (query) src WHERE key > $last ORDER BY
// key LIMIT batch`. No cursor is held open between pages, and the last key is the checkpoint, so a
// retry continues with the next page. The session is read-only.
import type { SourcePosition } from '../checkpoint.ts';
import { final, pgFailure } from '../failures.ts';
import type { Row } from '../mapping.ts';
import { connect, ident } from '../pg.ts';
import type { SourceSpec } from '../schema.ts';
import type { Source, SourceItem } from './types.ts';

type PgSpec = Extract<SourceSpec, { kind: 'postgres' }>;
const TYPE = 'SourceUnreachable';

const keyOf = (v: unknown): string | number | undefined => {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  return undefined;
};

export async function postgresSource(spec: PgSpec, from: SourcePosition, pageSize: number, signal: AbortSignal): Promise<Source> {
  const client = await connect(spec.connection, { readOnly: true, what: 'PostgreSQL source', type: TYPE });
  const inner = spec.query.trim().replace(/;\s*$/, '');
  const key = ident(spec.keyColumn);
  let total: number | null = null;
  try {
    if (spec.countTotal) {
      const r = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${inner}) AS src`);
      total = Number(r.rows[0]?.n ?? 0);
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw pgFailure(err, 'PostgreSQL source query', 'SourceQuery');
  }
  let pos: SourcePosition = { ...from };
  return {
    total,
    position: () => pos,
    close: () => client.end().catch(() => {}),
    items: () => ({
      async *[Symbol.asyncIterator](): AsyncIterator<SourceItem> {
        let last = from.lastKey;
        let records = from.records;
        for (;;) {
          if (signal.aborted) throw signal.reason ?? new Error('aborted');
          const where = last === undefined ? '' : `WHERE src.${key} > $1`;
          let rows: Row[];
          try {
            const r = await client.query<Row>(`SELECT * FROM (${inner}) AS src ${where} ORDER BY src.${key} LIMIT ${pageSize}`, last === undefined ? [] : [last]);
            rows = r.rows;
          } catch (err) {
            throw pgFailure(err, 'PostgreSQL source query', 'SourceQuery');
          }
          for (const row of rows) {
            const k = keyOf(row[spec.keyColumn]);
            if (k === undefined) throw final(`PostgreSQL source: the query's rows need a non-null '${spec.keyColumn}' (keyColumn)`, 'SourceQuery');
            last = k;
            records += 1;
            pos = { records, lastKey: k };
            yield { record: row };
          }
          if (rows.length < pageSize) return;
        }
      },
    }),
  };
}
