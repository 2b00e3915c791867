// The connection to Temporal, built from the validated config (embedded dev server, a self-hosted
// cluster with mTLS, or Temporal Cloud with an API key). One per process; the gateway on top of it
// is what the rest of Kairos uses.
import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config, PemSource } from '../config.ts';
import { guard } from './errors.ts';
import { TemporalGateway } from './gateway.ts';
import { workflowClientInterceptors } from './interceptors.ts';

/** A certificate or key: the file's bytes or the PEM text given inline. */
async function pem(src: PemSource): Promise<Buffer> {
  return 'path' in src ? await readFile(src.path) : Buffer.from(src.data);
}

/** The client connection's options (address, TLS files read, API key). */
export async function connectionOptions(cfg: Config['temporal']): Promise<ConnectionOptions> {
  const opts: ConnectionOptions = { address: cfg.address, connectTimeout: 10_000 };
  if (cfg.tls) {
    const { cert, key, ca } = cfg.tls;
    opts.tls = {
      serverNameOverride: cfg.tls.serverName,
      serverRootCACertificate: ca ? await pem(ca) : undefined,
      clientCertPair: cert && key ? { crt: await pem(cert), key: await pem(key) } : undefined,
    };
  }
  if (cfg.apiKey) opts.apiKey = cfg.apiKey;
  return opts;
}

/**
 * What a worker's native connection needs (the worker package builds it; core does not depend on
 * it): the same address, TLS and API key as the client's.
 */
export async function workerConnectionOptions(cfg: Config['temporal']): Promise<{ address: string; tls: ConnectionOptions['tls']; apiKey: string | undefined }> {
  const { tls, apiKey } = await connectionOptions(cfg);
  return { address: cfg.address, tls, apiKey: typeof apiKey === 'string' ? apiKey : undefined };
}

/** Connects (failures mapped: unreachable → unavailable, refused credentials → misconfigured). */
export async function connectTemporal(cfg: Config['temporal']): Promise<TemporalGateway> {
  const connection = await guard(async () => await Connection.connect(await connectionOptions(cfg)));
  return new TemporalGateway(new Client({ connection, namespace: cfg.namespace, interceptors: { workflow: await workflowClientInterceptors() } }));
}
