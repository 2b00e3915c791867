// A PostgreSQL query read in pages by keyset: `SELECT * FROM (query) src WHERE key > $last ORDER BY
// key LIMIT batch`. No cursor is held open between pages, and the last key is the checkpoint, so a
// retry continues with the next page. Every page (and the count) is one statement over the extended
// protocol in a read-only transaction with a statement timeout (pg.ts readOnlyQuery): the user's
// query cannot end the transaction, add a statement, or write.
import type { SourcePosition } from '../checkpoint.ts';
import { final, pgFailure } from '../failures.ts';
import type { Row } from '../mapping.ts';
import { datasourceConfig } from '../../../core/config.ts';
import { connect, ident, readOnlyQuery } from '../pg.ts';
import type { SourceSpec } from '../../../core/drivers/datasource.ts';
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
  const inner = withoutFinalSemicolon(spec.query);
  const timeoutMs = datasourceConfig().statementTimeoutMs;
  const key = ident(spec.keyColumn);
  let total: number | null = null;
  try {
    if (spec.countTotal) {
      const r = await readOnlyQuery<{ n: string }>(client, `SELECT count(*)::text AS n FROM (${inner}) AS src`, [], timeoutMs);
      total = Number(r.rows[0]?.n ?? 0);
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw queryFailure(err, timeoutMs);
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
          const where = last === undefined ? '' : `WHERE src.${key} > $2`;
          let rows: Row[];
          try {
            const values = last === undefined ? [pageSize] : [pageSize, last];
            rows = (await readOnlyQuery<Row>(client, `SELECT * FROM (${inner}) AS src ${where} ORDER BY src.${key} LIMIT $1`, values, timeoutMs)).rows;
          } catch (err) {
            throw queryFailure(err, timeoutMs);
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

/** One trailing `;` is tolerated (people end statements with it); anything after it is not. */
function withoutFinalSemicolon(query: string): string {
  const q = query.trimEnd();
  return q.endsWith(';') ? q.slice(0, -1).trimEnd() : q;
}

/** A statement that ran out of time would again: final, naming the setting; other errors as pgFailure says. */
function queryFailure(err: unknown, timeoutMs: number) {
  if ((err as { code?: string } | null)?.code === '57014') {
    return final(`PostgreSQL source query: canceled after the statement timeout (${timeoutMs} ms, KAIROS_DATASOURCE_STATEMENT_TIMEOUT)`, 'SourceQuery');
  }
  return pgFailure(err, 'PostgreSQL source query', 'SourceQuery');
}
