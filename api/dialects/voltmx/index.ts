// The Volt MX dialect: Volt MX Foundry's Scheduling Job APIs and its accounts login under /voltmx on
// the main port, so a Volt MX client needs only its base URL changed
// (http://host:8080/voltmx/admin/api/jobs/job, http://host:8080/voltmx/authService/accounts/login).
// Calls authenticate with the login's claims token (X-VoltMX-Authorization) or Kairos credentials.
import type { Middleware } from 'koa';
import type { Config } from '../../../core/config.ts';
import type { AuthStore } from '../../../core/auth/store.ts';
import { TokenSigner, type TokenKey } from '../../../core/auth/tokens.ts';
import type { NumberAllocator } from '../../../core/ids/sequence.ts';
import type { JobService } from '../../../core/jobs/service.ts';
import type { RunService } from '../../../core/runs/service.ts';
import type { Surface } from '../../app.ts';
import { bodyLimitBytes } from '../../raw-body.ts';
import { mountSurface } from '../kit/index.ts';
import { LOGIN_PATH, voltmxAuthenticate } from './auth.ts';
import { renderVoltmxError } from './errors.ts';
import { voltmxRoutes } from './routes.ts';

export const VOLTMX_PREFIX = '/voltmx';

export interface VoltmxSurfaceDeps {
  jobs: JobService;
  runs: RunService;
  auth: AuthStore;
  jobIds: NumberAllocator;
  /** Kairos's usual authentication, for calls that carry no Volt MX token. */
  authenticate: Middleware;
  /** The login tokens' signing key (core/auth/tokens.ts storedTokenKey: one for every instance). */
  tokenKey: TokenKey;
}

/** The /voltmx surface of the main app. Building it calls no service (tests read its routes). */
export function voltmxSurface(cfg: Config, deps: VoltmxSurfaceDeps): Surface {
  const tokens = new TokenSigner(deps.tokenKey, { ttlMs: cfg.voltmx.tokenTtlMs });
  const routes = { jobs: deps.jobs, runs: deps.runs, auth: deps.auth, jobIds: deps.jobIds, tokens, serverUrl: cfg.voltmx.serverUrl, bodyLimitBytes: bodyLimitBytes(cfg.bodyLimit) };
  return mountSurface({
    prefix: VOLTMX_PREFIX,
    renderError: renderVoltmxError,
    // Volt MX documents its login as a form post; every other body is JSON.
    formRoutes: [`POST ${LOGIN_PATH}`],
    authenticate: voltmxAuthenticate({ prefix: VOLTMX_PREFIX, tokens, users: () => deps.auth, fallback: (ctx, next) => deps.authenticate(ctx, next) }),
    routers: (base) => [voltmxRoutes(routes, base)],
  });
}
