// The Dapr dialect: the Jobs API under /dapr on the main port (Kairos credentials) and, when
// KAIROS_DAPR_PORT is set, at the root of that port as daprd serves it (its `dapr-api-token` check).
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../../core/config.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { AuditLog } from '../../../core/audit/log.ts';
import { createApp, type Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { renderDaprError } from './errors.ts';
import { daprRoutes, daprTokenAuth, type DaprOptions } from './routes.ts';

export const DAPR_PREFIX = '/dapr';

export function daprOptions(cfg: Config, jobs: JobService): DaprOptions {
  return {
    jobs,
    appUrl: cfg.dapr.appUrl,
    appUrls: cfg.dapr.appUrls,
    appTokenSecret: cfg.dapr.appApiTokenSecret,
    bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit),
  };
}

/** The /dapr surface of the main app. */
export function daprSurface(cfg: Config, jobs: JobService): Surface {
  return { prefix: DAPR_PREFIX, renderError: renderDaprError, routers: [daprRoutes(daprOptions(cfg, jobs), DAPR_PREFIX)] };
}

/** Starts the dedicated Dapr port (only when KAIROS_DAPR_PORT is set). */
export async function startDaprPort(cfg: Config, jobs: JobService, logger: Logger, audit?: AuditLog): Promise<Server | undefined> {
  const port = cfg.dapr.port;
  if (port === undefined) return undefined;
  const app = createApp({
    logger: logger.child({ surface: 'dapr' }),
    bodyLimit: cfg.bodyLimit,
    trustedOrigins: cfg.trustedOrigins,
    publicRouters: [],
    authenticate: daprTokenAuth(cfg.dapr.apiToken),
    audit,
    surfaces: [{ prefix: '', name: 'dapr', renderError: renderDaprError, routers: [daprRoutes(daprOptions(cfg, jobs))] }],
  });
  return await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, cfg.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use; set KAIROS_DAPR_PORT to a free port`) : err),
    );
  });
}
