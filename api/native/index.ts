// The native /v1 surface: its routers and its error shape.
import type Router from '@koa/router';
import type { AuthStore } from '../../core/auth/store.ts';
import type { JobService } from '../../core/jobs/service.ts';
import type { RunService } from '../../core/runs/service.ts';
import type { RunOverview } from '../../core/runs/overview.ts';
import type { SecretAccess } from '../../core/secrets/access.ts';
import { renderNativeError } from '../errors.ts';
import type { Surface } from '../app.ts';
import { APPLY_ROUTE, jobRoutes } from './jobs.ts';
import { openApiRoutes, type OwnPorts } from './openapi.ts';
import { runRoutes } from './runs.ts';
import { secretRoutes } from './secrets.ts';
import { LOGIN_ROUTE, sessionRoutes } from './sessions.ts';
import { teamRoutes } from './teams.ts';
import { shareRoutes } from './shares.ts';
import type { AccessService } from '../../core/access/service.ts';
import { userRoutes } from './users.ts';
import { auditRoutes, jobAuditRoutes, versionRoutes } from './history.ts';
import type { JobVersions } from '../../core/versions/history.ts';
import type { AuditLog } from '../../core/audit/log.ts';
import type { JobAuditTrail } from '../../core/audit/trail.ts';
import type { AlertRules } from '../../core/alerts/rules.ts';
import { alertRoutes } from './alerts.ts';
import { docsRoutes } from './docs.ts';

export interface NativeDeps {
  jobs: JobService;
  runs: RunService;
  overview: RunOverview;
  auth: AuthStore;
  secrets: SecretAccess;
  versions: JobVersions;
  audit: AuditLog;
  trail: JobAuditTrail;
  access: AccessService;
  alerts: AlertRules;
  /** The dialects' own ports, for their OpenAPI documents' servers. */
  ownPorts?: OwnPorts;
}

/**
 * The routers of the native API. Building a router calls no service, so the OpenAPI test and the
 * fuzz tests can list the routes without a server by passing no dependencies.
 */
export function nativeRouters(deps: Partial<NativeDeps> = {}): Router[] {
  const d = deps as NativeDeps;
  return [
    jobRoutes(d.jobs, d.audit),
    shareRoutes(d.jobs, d.access),
    runRoutes(d.runs, d.overview),
    secretRoutes(d.secrets),
    userRoutes(d.auth),
    teamRoutes(d.auth),
    sessionRoutes(d.auth),
    versionRoutes(d.versions),
    auditRoutes(d.audit),
    jobAuditRoutes(d.trail),
    alertRoutes(d.alerts),
    openApiRoutes(d.ownPorts),
    docsRoutes(),
  ];
}

export function nativeSurface(deps: NativeDeps): Surface {
  // The session login takes its credentials in the body: no prior authentication. Apply takes YAML too.
  return { prefix: '/v1', renderError: renderNativeError, routers: nativeRouters(deps), publicRoutes: [LOGIN_ROUTE], yamlRoutes: [APPLY_ROUTE] };
}
