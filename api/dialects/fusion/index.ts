// The Fusion dialect: the Jobs, Tasks and Connector Datasources APIs under /fusion/api on the main
// port and, when KAIROS_FUSION_PORT is set, at /api on that port (a drop-in for clients that take
// only a host); both also under /api/apps/{app}/…. HTTP Basic (or an API key), as on the main port.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../../core/config.ts';
import type { AuthStore } from '../../../core/auth/store.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { ApiMetrics } from '../../metrics.ts';
import type { AuditLog } from '../../../core/audit/log.ts';
import type { RunService } from '../../../core/runs/service.ts';
import type { Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { authenticate } from '../../auth.ts';
import { listenOwnPort, mountSurface, type DialectSurface } from '../kit/index.ts';
import { renderFusionError } from './errors.ts';
import { fusionRoutes } from './routes.ts';

export const FUSION_PREFIX = '/fusion';

export interface FusionSurfaceDeps {
  jobs: JobService;
  runs: RunService;
}

function fusion(cfg: Config, deps: FusionSurfaceDeps): DialectSurface {
  return { prefix: FUSION_PREFIX, renderError: renderFusionError, routers: (base) => [fusionRoutes({ ...deps, bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit) }, `${base}/api`)] };
}

/** The /fusion surface of the main app: /fusion/api/… */
export function fusionSurface(cfg: Config, deps: FusionSurfaceDeps): Surface {
  return mountSurface(fusion(cfg, deps));
}

/** Starts the dedicated Fusion port (only when KAIROS_FUSION_PORT is set): /api/… as Fusion serves it. */
export async function startFusionPort(cfg: Config, deps: FusionSurfaceDeps & { auth: AuthStore; audit?: AuditLog; metrics?: ApiMetrics }, logger: Logger): Promise<Server | undefined> {
  const own = { name: 'fusion', port: cfg.fusionPort, setting: 'KAIROS_FUSION_PORT', authenticate: authenticate(deps.auth) };
  return await listenOwnPort(fusion(cfg, deps), own, cfg, logger, deps.audit, deps.metrics);
}
