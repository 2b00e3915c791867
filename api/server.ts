// Builds the whole API (composition root): Temporal client → store → services → Koa app.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { pino, type Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { JobStore } from '../core/jobs/store.ts';
import { JobService } from '../core/jobs/service.ts';
import { Quotas } from '../core/quotas/quotas.ts';
import { JobSideState, rolesFrom } from '../core/sharing/job-side-state.ts';
import { openAuthStore } from '../core/auth/store.ts';
import { connectClient } from '../core/temporal.ts';
import { createApp, type Surface } from './app.ts';
import { authenticate } from './auth.ts';
import { healthRoutes } from './health.ts';
import { nativeSurface } from './native/index.ts';
import { RunService } from '../core/runs/service.ts';
import { SecretStore } from '../core/secrets/store.ts';
import { SecretAccess } from '../core/secrets/access.ts';
import { daprSurface, startDaprPort } from './dialects/dapr/index.ts';
import { fusionSurface, startFusionPort } from './dialects/fusion/index.ts';
import { cluedinSurface } from './dialects/cluedin/index.ts';
import { RunOverview } from '../core/runs/overview.ts';
import { informerSurface } from './dialects/informer/index.ts';
import { VOLTMX_JOB_SEQUENCE, voltmxSurface } from './dialects/voltmx/index.ts';
import { SequenceAllocator } from '../core/ids/sequence.ts';
import { uiSurface } from './ui.ts';
import { openState } from '../core/db/state.ts';
import { AccessService } from '../core/access/service.ts';

export interface ApiServer {
  server: Server;
  url: string;
  client: Client;
  close(): Promise<void>;
}

export function createLogger(cfg: Config): Logger {
  return pino({
    level: cfg.logLevel,
    base: { svc: 'kairos-api' },
    // Defence in depth: should a credential ever reach a log call, it is masked.
    redact: {
      paths: ['*.authorization', '*.password', '*.key', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  });
}

export async function startApi(cfg: Config, logger = createLogger(cfg)): Promise<ApiServer> {
  const client = await connectClient(cfg.temporal);
  // Users, keys, secrets, shares, versions and the audit log (core/db); migrated and imported here.
  const db = await openState(cfg.database);
  const auth = openAuthStore(cfg);
  // Shares, favorites and natural ids: forgotten with their job, read for `job` trigger access.
  // The one access policy's grants (shares to users and teams), asked by the job and run services.
  const access = new AccessService(db, { isUser: async (id) => await auth.getUser(id).then(() => true, () => false) });
  const sideState = new JobSideState(cfg.dataDir, rolesFrom(auth), access);
  const store = new JobStore(client, cfg.taskQueue, sideState);
  const secrets = new SecretAccess(new SecretStore(cfg.dataDir), auth, SecretAccess.daprRule(cfg));
  // Every surface saves through the service, so each one gets these checks.
  const jobs = new JobService(store, undefined, {
    attachments: sideState,
    readAccess: sideState,
    quotas: new Quotas(client, store, cfg.quotas),
    saveChecks: [secrets.saveCheck],
    access,
  });
  const runs = new RunService(client, store, access);
  const overview = new RunOverview(client, runs);
  const native = nativeSurface({ jobs, runs, overview, auth, secrets, access });
  const surfaces: Surface[] = [native, daprSurface(cfg, jobs), fusionSurface(cfg, { jobs, runs })];
  surfaces.push(informerSurface(cfg, { jobs, runs, auth, access }));
  surfaces.push(voltmxSurface(cfg, { jobs, runs, auth, jobIds: new SequenceAllocator(client, cfg.taskQueue, VOLTMX_JOB_SEQUENCE), authenticate: authenticate(auth) }));
  surfaces.push(cluedinSurface(cfg, { jobs, runs, overview }));
  surfaces.push(uiSurface(cfg));
  const app = createApp({
    logger,
    bodyLimit: cfg.bodyLimit,
    trustedOrigins: cfg.trustedOrigins,
    publicRouters: [healthRoutes(client, cfg.taskQueue)],
    authenticate: authenticate(auth),
    surfaces,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(cfg.port, cfg.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${cfg.port} is already in use; set KAIROS_PORT to a free port`) : err),
    );
  });
  const daprServer = await startDaprPort(cfg, jobs, logger);
  const fusionServer = await startFusionPort(cfg, { jobs, runs, auth }, logger);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  return {
    server,
    url: `http://${cfg.host}:${port}`,
    client,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (daprServer) {
        await new Promise<void>((resolve) => daprServer.close(() => resolve()));
        daprServer.closeAllConnections();
      }
      if (fusionServer) {
        await new Promise<void>((resolve) => fusionServer.close(() => resolve()));
        fusionServer.closeAllConnections();
      }
      await client.connection.close();
      await db.close();
    },
  };
}
