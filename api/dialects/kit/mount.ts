// Mounting a dialect: under its prefix on the main port (e.g. /dapr, with Kairos credentials) and,
// for a dialect whose clients take only a host (Dapr, Fusion), also at the root of a port of its own
// with its own authentication. A dialect describes its routers once, for a base path; both mounts
// build them from that description.
import type { Server } from 'node:http';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { AuditLog } from '../../../core/audit/log.ts';
import type { Config } from '../../../core/config.ts';
import { createApp, type Surface } from '../../app.ts';
import type { ErrorRenderer } from '../../errors.ts';
import type { ApiMetrics } from '../../metrics.ts';

/** A dialect's API surface, independent of where it is mounted. */
export interface DialectSurface {
  /** Its path prefix on the main port, e.g. "/dapr". */
  prefix: string;
  renderError: ErrorRenderer;
  /** Its routers, their paths under `base`: the prefix on the main port, "" on the dialect's own port. */
  routers(base: string): Router[];
  /** See {@link Surface.formRoutes} (paths relative to the prefix). */
  formRoutes?: readonly string[];
  /** Authentication on the main port instead of the app's (a dialect with its own login token). */
  authenticate?: Middleware;
}

/** A port of the dialect's own. */
export interface OwnPort {
  /** The dialect's name, for the logs ("dapr"). */
  name: string;
  /** The port; undefined: not configured, nothing is started. */
  port: number | undefined;
  /** The setting that names the port, said when the port is taken ("KAIROS_DAPR_PORT"). */
  setting: string;
  /** Authentication on that port (the dialect's own token check, or Kairos's). */
  authenticate: Middleware;
}

/** The surface the main app mounts under the dialect's prefix. */
export function mountSurface(d: DialectSurface): Surface {
  return {
    prefix: d.prefix,
    renderError: d.renderError,
    routers: d.routers(d.prefix),
    ...(d.formRoutes ? { formRoutes: d.formRoutes } : {}),
    ...(d.authenticate ? { authenticate: d.authenticate } : {}),
  };
}

/** Starts the dialect's own port, serving only the dialect at its root (undefined when no port is configured). */
export async function listenOwnPort(
  d: DialectSurface,
  own: OwnPort,
  cfg: Pick<Config, 'host' | 'bodyLimit' | 'trustedOrigins'>,
  logger: Logger,
  audit?: AuditLog,
  metrics?: ApiMetrics,
): Promise<Server | undefined> {
  if (own.port === undefined) return undefined;
  const app = createApp({
    logger: logger.child({ surface: own.name }),
    bodyLimit: cfg.bodyLimit,
    trustedOrigins: cfg.trustedOrigins,
    publicRouters: [],
    authenticate: own.authenticate,
    audit,
    // The main port's registry: its requests are in the same latency, auth-failure and 429 metrics.
    ...(metrics ? { metrics } : {}),
    // Named: at the root, the prefix would not say which dialect wrote a version or an audit event.
    surfaces: [{ prefix: '', name: own.name, renderError: d.renderError, routers: d.routers(''), ...(d.formRoutes ? { formRoutes: d.formRoutes } : {}) }],
  });
  return await listen(app, own.port, cfg.host, own.setting);
}

/** Listens on host:port; a port in use fails naming the setting to change. */
export async function listen(app: Koa, port: number, host: string, setting: string): Promise<Server> {
  return await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use; set ${setting} to a free port`) : err));
  });
}

/** Stops a server (if started): no new connections, then the open ones are closed. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
}
