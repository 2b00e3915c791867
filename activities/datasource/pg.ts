// PostgreSQL connections for sources and sinks (node-postgres). The connection URL comes from a
// resolved `$secret`; it never appears in messages (node-postgres errors do not echo it, and the
// driver wrapper masks secret values anyway). The socket resolves and checks the host against the
// egress policy and connects to the checked address (core/net); TLS still verifies the host's name.
import pg from 'pg';
import { egressSocket } from '../../core/net/connect.ts';
import { egressDenial } from '../../core/net/egress.ts';
import { final, pgFailure } from './failures.ts';

export type PgClient = pg.Client;

export async function connect(connectionString: string, opts: { readOnly?: boolean; what: string; type: string }): Promise<PgClient> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: 10_000,
    application_name: 'kairos-datasource',
    // A source only reads: the server refuses a query that would write.
    options: opts.readOnly ? '-c default_transaction_read_only=on' : undefined,
    stream: () => egressSocket(),
  });
  client.on('error', () => {}); // a dropped connection surfaces on the next query
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const denied = egressDenial(err);
    if (denied) throw final(`${opts.what}: ${denied.message}`, 'EgressDenied');
    throw pgFailure(err, `${opts.what}: cannot connect`, opts.type);
  }
  return client;
}

/**
 * One statement of a source's query in a transaction of its own: `BEGIN READ ONLY`, a statement
 * timeout, the statement, `COMMIT`. The statement goes over the extended protocol, where the server
 * takes exactly one statement: a query that tries `COMMIT; DROP TABLE …` is refused whole, and
 * whatever one statement does runs read-only (the session default is read-only too).
 */
export async function readOnlyQuery<R extends pg.QueryResultRow>(client: PgClient, text: string, values: unknown[], timeoutMs: number): Promise<pg.QueryResult<R>> {
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    // queryMode is node-postgres's (since 8.12) but not yet in @types/pg: without it a query with no
    // parameters would go over the simple protocol, which runs any number of statements.
    const r = await client.query<R>({ text, values, queryMode: 'extended' } as pg.QueryConfig);
    await client.query('COMMIT');
    return r;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

export const ident = (name: string): string => pg.escapeIdentifier(name);
/** "schema.table" → "schema"."table". */
export const tableIdent = (name: string): string => name.split('.').map(ident).join('.');
