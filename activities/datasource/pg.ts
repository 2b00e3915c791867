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

export const ident = (name: string): string => pg.escapeIdentifier(name);
/** "schema.table" → "schema"."table". */
export const tableIdent = (name: string): string => name.split('.').map(ident).join('.');
