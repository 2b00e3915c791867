// Recording the audit log in one place: the app's outermost middleware calls `recordRequest` once a
// request is answered. Every request that may change something (not GET, HEAD or OPTIONS) is
// recorded, and every failed login on any method (a wrong password on a GET included). The outcome
// follows the status (2xx/3xx ok, 401/403 denied, other 4xx/5xx failed), the action defaults to the
// method and the matched route's template (`POST /v1/jobs/:id/run`), and the job id is the one the
// job service wrote or deleted (core/audit/scope.ts), else the route's parameter. A route refines
// any of this with `auditAs`. Nothing of a request's body, query or credentials is stored: the
// detail is the status and the request id.
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { AuditLog, AuditOutcome } from '../core/audit/log.ts';
import type { AuditScope } from '../core/audit/scope.ts';
import { parseBasic } from './auth.ts';

/** What a route may say about its request for the audit log (ctx.state.audit). */
export interface AuditNote {
  /** e.g. `job.create`, `login`, `secret.put`. */
  action?: string;
  jobId?: string;
  target?: string;
  /** Who acted, when no credentials authenticated the request (a login route's user). */
  principal?: { id: string; name: string };
}

/** Refines what the audit log records of this request. */
export function auditAs(ctx: Context, note: AuditNote): void {
  const state = ctx.state as { audit?: AuditNote };
  state.audit = { ...state.audit, ...note };
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Names of the native API's actions (others are `METHOD /template`, or what their route says). */
const ACTIONS: Readonly<Record<string, string>> = {
  'POST /v1/jobs': 'job.create',
  'PUT /v1/jobs/:id': 'job.replace',
  'PATCH /v1/jobs/:id': 'job.patch',
  'DELETE /v1/jobs/:id': 'job.delete',
  'POST /v1/jobs/:id/pause': 'job.pause',
  'POST /v1/jobs/:id/resume': 'job.resume',
  'POST /v1/jobs/:id/run': 'job.run',
  'POST /v1/jobs/:id/backfill': 'job.backfill',
  'POST /v1/jobs/bulk': 'job.bulk',
  'POST /v1/jobs/apply': 'job.apply',
  'POST /v1/jobs/:id/versions/:n/restore': 'job.restore',
  'PUT /v1/secrets/:name': 'secret.put',
  'DELETE /v1/secrets/:name': 'secret.delete',
  'PUT /v1/secrets/:name/shares': 'secret.share',
  'DELETE /v1/secrets/:name/shares': 'secret.unshare',
  'POST /v1/api-keys': 'key.create',
  'DELETE /v1/api-keys/:id': 'key.delete',
  'POST /v1/users': 'user.create',
  'DELETE /v1/users/:id': 'user.delete',
  'PUT /v1/users/:id/password': 'user.password',
  'POST /v1/users/:id/password': 'user.password',
  'PUT /v1/users/:id/role': 'user.role',
  'POST /v1/users/:id/role': 'user.role',
  'POST /v1/users/:id/revoke-tokens': 'user.revoke-tokens',
  'POST /v1/runs/:runId/stop': 'run.stop',
  'POST /v1/runs/:runId/abort': 'run.abort',
};

export function outcomeOf(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status >= 400 ? 'failed' : 'ok';
}

/** Which credentials a request presented, and the username of Basic ones (the only part that is not secret). */
function presented(ctx: Context): { via: 'basic' | 'apikey' | 'token'; username?: string } | undefined {
  if (ctx.get('X-API-Key').trim() !== '') return { via: 'apikey' };
  if (ctx.get('X-VoltMX-Authorization').trim() !== '') return { via: 'token' };
  const header = ctx.get('Authorization').trim();
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  if (scheme === 'basic') return { via: 'basic', username: parseBasic(header.slice(space + 1).trim())?.username };
  return scheme === 'bearer' ? { via: 'apikey' } : undefined;
}

/** The job id in a matched route's parameters (`/jobs/:id`, `/job/:jobId`, Dapr's `/jobs/:name`), else the first parameter as the target. */
function fromRoute(ctx: Context, template: string | undefined): { jobId?: string; target?: string } {
  const params = (ctx as { params?: Record<string, string | undefined> }).params ?? {};
  if (!template) return {};
  const job = /\/jobs?\/:(\w+)/.exec(template)?.[1];
  if (job && params[job] !== undefined) return { jobId: params[job] };
  const first = /:(\w+)/.exec(template)?.[1];
  return first && params[first] !== undefined ? { target: params[first] } : {};
}

/**
 * Records the answered request in the audit log if it is one to record (see the file comment).
 * Failures to record are logged, never turned into the request's answer (it has been decided).
 */
export async function recordRequest(log: AuditLog, ctx: Context, surface: string, logger: Logger, scope: AuditScope = {}): Promise<void> {
  const note = (ctx.state as { audit?: AuditNote }).audit ?? {};
  const principal = (ctx.state as { principal?: { id: string; name?: string } }).principal ?? note.principal;
  const creds = principal ? undefined : presented(ctx);
  // Credentials that authenticated nobody: a failed (or throttled) login, whatever the method.
  const failedLogin = creds !== undefined && (ctx.status === 401 || ctx.status === 429);
  if (READS.has(ctx.method) && !failedLogin) return;
  const template = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined;
  const route = fromRoute(ctx, template);
  const named = `${ctx.method} ${template ?? ctx.path}`;
  const action = failedLogin ? 'login' : (note.action ?? ACTIONS[named] ?? named);
  // A login that is refused is a failed login (denied only while throttled), not a denied action.
  const outcome = action === 'login' && ctx.status >= 400 ? (ctx.status === 429 ? 'denied' : 'failed') : outcomeOf(ctx.status);
  try {
    await log.record({
      principalId: principal?.id ?? null,
      principalName: principal?.name ?? creds?.username ?? null,
      surface,
      action,
      // The job as core names it, when the request wrote one; else as the route does.
      jobId: note.jobId ?? scope.jobId ?? route.jobId ?? null,
      target: note.target ?? route.target ?? null,
      outcome,
      detail: { status: ctx.status, ...(failedLogin ? { via: creds.via, method: ctx.method } : {}), requestId: String(ctx.state.requestId ?? '') },
    });
  } catch (err) {
    logger.error({ err, requestId: ctx.state.requestId }, 'audit event not recorded');
  }
}
