// The native /v1 surface: its routers and its error shape.
import type Router from '@koa/router';
import type { AuthStore } from '../../core/auth/store.ts';
import type { JobService } from '../../core/jobs/service.ts';
import { renderNativeError } from '../errors.ts';
import type { Surface } from '../app.ts';
import { jobRoutes } from './jobs.ts';
import { openApiRoutes } from './openapi.ts';
import { userRoutes } from './users.ts';

export interface NativeDeps {
  jobs: JobService;
  auth: AuthStore;
}

/**
 * The routers of the native API. Building a router calls no service, so the OpenAPI test can list
 * the routes without a server by passing no dependencies.
 */
export function nativeRouters(deps: Partial<NativeDeps> = {}): Router[] {
  const d = deps as NativeDeps;
  return [jobRoutes(d.jobs), userRoutes(d.auth), openApiRoutes()];
}

export function nativeSurface(deps: NativeDeps): Surface {
  return { prefix: '/v1', renderError: renderNativeError, routers: nativeRouters(deps) };
}
