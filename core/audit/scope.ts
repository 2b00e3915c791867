// What core learns about a request that the API's audit record needs: the id of the job a request
// wrote, as core names it (a dialect's route names it its own way: Informer a UUID, Fusion
// `task:<id>`). The API runs each request in a scope (api/app.ts); the job history notes the first job
// written or deleted in it (core/versions/history.ts), so that `/v1/audit?job=<id>` finds the
// events of every surface.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuditScope {
  /** The first job the request wrote or deleted. */
  jobId?: string;
}

const storage = new AsyncLocalStorage<AuditScope>();

/** Runs `fn` with `scope` as the current request's. */
export function inAuditScope<T>(scope: AuditScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

/** Notes a job the current request wrote or deleted (the first one counts); nothing outside a request. */
export function noteAuditedJob(jobId: string): void {
  const scope = storage.getStore();
  if (scope && scope.jobId === undefined) scope.jobId = jobId;
}
