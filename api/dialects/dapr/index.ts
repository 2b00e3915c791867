// The Dapr dialect: the Jobs API under /dapr on the main port (Kairos credentials) and, when
// KAIROS_DAPR_PORT is set, at the root of that port as daprd serves it (its `dapr-api-token` check).
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../../core/config.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { Surface } from '../../app.ts';
import type { ApiMetrics } from '../../metrics.ts';
import type { AuditLog } from '../../../core/audit/log.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { listenOwnPort, mountSurface, type DialectSurface } from '../kit/index.ts';
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

function dapr(cfg: Config, jobs: JobService): DialectSurface {
  return { prefix: DAPR_PREFIX, renderError: renderDaprError, routers: (base) => [daprRoutes(daprOptions(cfg, jobs), base)] };
}

/** The /dapr surface of the main app. */
export function daprSurface(cfg: Config, jobs: JobService): Surface {
  return mountSurface(dapr(cfg, jobs));
}

/** Starts the dedicated Dapr port (only when KAIROS_DAPR_PORT is set). */
export async function startDaprPort(cfg: Config, jobs: JobService, logger: Logger, audit?: AuditLog, metrics?: ApiMetrics): Promise<Server | undefined> {
  const own = { name: 'dapr', port: cfg.dapr.port, setting: 'KAIROS_DAPR_PORT', authenticate: daprTokenAuth(cfg.dapr.apiToken) };
  return await listenOwnPort(dapr(cfg, jobs), own, cfg, logger, audit, metrics);
}
