// The Informer dialect: Informer's Jobs API under /informer/api on the main port, so an Informer
// client is pointed at Kairos by changing its base URL to http://<host>:<port>/informer. HTTP Basic
// (or an API key), as on the main port. The collaboration data Informer has and the core job lacks:
// shares are the state store's (core/sharing, under the one access policy of core/access, so they
// hold on every surface); favorites and natural ids; drafts are paused schedules (see core/drafts,
// core/favorites, core/names).
import type { Config } from '../../../core/config.ts';
import type { Db } from '../../../core/db/open.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import { DraftService } from '../../../core/drafts/service.ts';
import { FavoriteStore } from '../../../core/favorites/store.ts';
import { NaturalIdStore } from '../../../core/names/store.ts';
import { JobAccess } from '../../../core/sharing/access.ts';
import type { AccessService } from '../../../core/access/service.ts';
import type { Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { mountSurface } from '../kit/index.ts';
import { renderInformerError } from './errors.ts';
import { informerRoutes, type InformerDeps } from './routes.ts';

export const INFORMER_PREFIX = '/informer';

export interface InformerSurfaceDeps {
  jobs: JobService;
  runs: RunService;
  auth: InformerDeps['users'];
  /** The state store: favorites and natural ids. */
  db: Db;
  /** The access policy's grants and the share store. */
  access: AccessService;
}

/** The /informer surface of the main app: /informer/api/… (building it does no I/O). */
export function informerSurface(cfg: Config, deps: InformerSurfaceDeps): Surface {
  return mountSurface({
    prefix: INFORMER_PREFIX,
    renderError: renderInformerError,
    routers: (base) => [
      informerRoutes(
        {
          jobs: deps.jobs,
          runs: deps.runs,
          users: deps.auth,
          teams: deps.access,
          access: new JobAccess(deps.jobs, deps.access),
          drafts: new DraftService(deps.jobs),
          favorites: new FavoriteStore(deps.db),
          names: new NaturalIdStore(deps.db),
          shares: deps.access.shares,
          bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit),
        },
        `${base}/api`,
      ),
    ],
  });
}
