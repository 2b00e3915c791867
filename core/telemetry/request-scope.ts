// The request id of the API request being served, for code far from the Koa context: the Temporal
// client interceptor (core/temporal/interceptors.ts) writes it into the workflows a request starts.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<string>();

/** Runs `fn` with `requestId` as the current request's id (for everything it awaits). */
export function inRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run(requestId, fn);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return scope.getStore();
}
