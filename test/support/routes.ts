// Every route of every API surface, read from the routers themselves (building a router calls no
// service), so tests that walk all routes cover a new route without being told about it.
import type Router from '@koa/router';
import { loadConfig } from '../../core/config.ts';
import { nativeRouters } from '../../api/native/index.ts';
import { daprSurface } from '../../api/dialects/dapr/index.ts';
import { fusionSurface } from '../../api/dialects/fusion/index.ts';
import { cluedinSurface } from '../../api/dialects/cluedin/index.ts';
import { informerSurface } from '../../api/dialects/informer/index.ts';
import { voltmxSurface } from '../../api/dialects/voltmx/index.ts';
import { uiSurface } from '../../api/ui.ts';
import { metricsSurface } from '../../api/metrics.ts';

export type SurfaceName = 'native' | 'dapr' | 'fusion' | 'voltmx' | 'informer' | 'cluedin';

export interface Route {
  surface: SurfaceName;
  method: string;
  /** Koa path template, e.g. "/v1/jobs/:id". */
  path: string;
  params: string[];
  /** Served without credentials by design (the dashboard's static files: its published code, no data). */
  public?: boolean;
}

function routesOf(surface: SurfaceName, routers: Router[]): Route[] {
  const out: Route[] = [];
  for (const r of routers) {
    for (const layer of r.stack) {
      for (const method of layer.methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        const path = String(layer.path);
        out.push({ surface, method, path, params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '') });
      }
    }
  }
  return out;
}

export function allRoutes(): Route[] {
  const cfg = loadConfig({});
  const none = undefined as never;
  const all = [
    ...routesOf('native', nativeRouters()),
    ...routesOf('dapr', daprSurface(cfg, none).routers),
    ...routesOf('fusion', fusionSurface(cfg, {} as never).routers),
    ...routesOf('cluedin', cluedinSurface(cfg, {} as never).routers),
    // Informer reads the share store off its access service while it builds its routers.
    ...routesOf('informer', informerSurface(cfg, { access: { shares: none } } as never).routers),
    ...routesOf('voltmx', voltmxSurface(cfg, {} as never).routers),
    // The dashboard's files: its static files are public (the login form is among them); its settings
    // (/ui/config.json) are authenticated like the API; errors in the native shape.
    ...routesOf('native', uiSurface(cfg).routers).map((r) => (r.method === 'GET' && r.path !== '/ui/config.json' ? { ...r, public: true } : r)),
    // The API's Prometheus metrics on the main port: admins only (the registry is read per request).
    ...routesOf('native', metricsSurface(none).routers),
  ];
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether a body is the surface's error shape for this status. */
export function isErrorShape(surface: SurfaceName, status: number, body: unknown): boolean {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') return false;
  switch (surface) {
    case 'native': {
      const e = b.error as Record<string, unknown> | undefined;
      return !!e && typeof e.code === 'string' && typeof e.message === 'string' && Array.isArray(e.details);
    }
    case 'dapr':
      return typeof b.errorCode === 'string' && typeof b.message === 'string' && Array.isArray(b.details);
    case 'fusion':
      return b.type === 'RESTError' && b.httpStatusCode === status && typeof b.message === 'string';
    case 'cluedin':
      // ASP.NET Core problem details (RFC 7807).
      return typeof b.type === 'string' && typeof b.title === 'string' && b.status === status && typeof b.detail === 'string';
    case 'informer':
      // hapi's Boom: {"statusCode","error","message"} (+ "validation": {"source","keys"} on a 400).
      return b.statusCode === status && typeof b.error === 'string' && typeof b.message === 'string';
    case 'voltmx':
      // Admin APIs: {"status":"FAIL","result","message","token"}; the accounts login: the identity service's shape.
      return (b.status === 'FAIL' && typeof b.message === 'string' && 'result' in b && b.token === null) || (b.domain === 'AUTH' && typeof b.code === 'number' && typeof b.message === 'string');
  }
}
