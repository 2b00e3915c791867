// The Fusion dialect: the Jobs, Tasks and Connector Datasources APIs under /fusion/api on the main
// port and, when KAIROS_FUSION_PORT is set, at /api on that port (a drop-in for clients that take
// only a host); both also under /api/apps/{app}/…. HTTP Basic (or an API key), as on the main port.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../../core/config.ts';
import type { AuthStore } from '../../../core/auth/store.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { AuditLog } from '../../../core/audit/log.ts';
import type { RunService } from '../../../core/runs/service.ts';
import { createApp, type Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { authenticate } from '../../auth.ts';
import { renderFusionError } from './errors.ts';
import { fusionRoutes } from './routes.ts';

export const FUSION_PREFIX = '/fusion';

export interface FusionSurfaceDeps {
  jobs: JobService;
  runs: RunService;
}

/** The /fusion surface of the main app: /fusion/api/… */
export function fusionSurface(cfg: Config, deps: FusionSurfaceDeps): Surface {
  return {
    prefix: FUSION_PREFIX,
    renderError: renderFusionError,
    routers: [fusionRoutes({ ...deps, bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit) }, `${FUSION_PREFIX}/api`)],
  };
}

/** Starts the dedicated Fusion port (only when KAIROS_FUSION_PORT is set): /api/… as Fusion serves it. */
export async function startFusionPort(cfg: Config, deps: FusionSurfaceDeps & { auth: AuthStore; audit?: AuditLog }, logger: Logger): Promise<Server | undefined> {
  const port = cfg.fusionPort;
  if (port === undefined) return undefined;
  const app = createApp({
    logger: logger.child({ surface: 'fusion' }),
    bodyLimit: cfg.bodyLimit,
    trustedOrigins: cfg.trustedOrigins,
    publicRouters: [],
    authenticate: authenticate(deps.auth),
    audit: deps.audit,
    surfaces: [{ prefix: '', name: 'fusion', renderError: renderFusionError, routers: [fusionRoutes({ ...deps, bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit) }, '/api')] }],
  });
  return await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, cfg.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use; set KAIROS_FUSION_PORT to a free port`) : err),
    );
  });
}
