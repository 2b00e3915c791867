// One Temporal connection per process, built from the validated config (embedded dev server,
// a self-hosted cluster with mTLS, or Temporal Cloud with an API key).
import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from './config.ts';

export async function connectionOptions(cfg: Config['temporal']): Promise<ConnectionOptions> {
  const opts: ConnectionOptions = { address: cfg.address, connectTimeout: 10_000 };
  if (cfg.tls) {
    opts.tls = {
      serverNameOverride: cfg.tls.serverName,
      serverRootCACertificate: cfg.tls.caPath ? await readFile(cfg.tls.caPath) : undefined,
      clientCertPair:
        cfg.tls.certPath && cfg.tls.keyPath
          ? { crt: await readFile(cfg.tls.certPath), key: await readFile(cfg.tls.keyPath) }
          : undefined,
    };
  }
  if (cfg.apiKey) opts.apiKey = cfg.apiKey;
  return opts;
}

export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect(await connectionOptions(cfg));
  return new Client({ connection, namespace: cfg.namespace });
}
