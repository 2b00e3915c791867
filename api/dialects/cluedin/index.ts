// The CluedIn dialect: CluedIn's jobs API (Hangfire recurring jobs, job state counts, job runs,
// abandon work) under /cluedin on the main port, laid out as CluedIn serves it from its own root, so
// a CluedIn client moves to Kairos by changing its base URL to http(s)://<kairos>/cluedin/.
// Kairos credentials (HTTP Basic or an API key), as on the rest of the main port.
import type { Config } from '../../../core/config.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { RunOverview } from '../../../core/runs/overview.ts';
import type { RunService } from '../../../core/runs/service.ts';
import type { Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { mountSurface } from '../kit/index.ts';
import { renderCluedInError } from './errors.ts';
import { cluedinRoutes } from './routes.ts';

export const CLUEDIN_PREFIX = '/cluedin';

export interface CluedInSurfaceDeps {
  jobs: JobService;
  runs: RunService;
  overview: RunOverview;
}

export function cluedinSurface(cfg: Config, deps: CluedInSurfaceDeps): Surface {
  return mountSurface({
    prefix: CLUEDIN_PREFIX,
    renderError: renderCluedInError,
    // Hangfire's dashboard posts these as forms (`jobIds[]=…`); every other body is JSON.
    formRoutes: ['POST /hangfire/recurring/trigger', 'POST /hangfire/recurring/remove'],
    routers: (base) => [cluedinRoutes({ ...deps, bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit) }, base)],
  });
}
