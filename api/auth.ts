// Authentication middleware: HTTP Basic (users) or an API key (`Authorization: Bearer kairos_…` or
// `X-API-Key: kairos_…`). Sets `ctx.state.principal`; nothing here logs or echoes a credential.
import type { Context, Middleware } from 'koa';
import { KairosError } from '../core/errors.ts';
import type { AuthStore, Principal } from '../core/auth/store.ts';

export type { Principal } from '../core/auth/store.ts';

export const WWW_AUTHENTICATE = 'Basic realm="kairos"';

/** The subset of the store the middleware needs (handy for tests). */
export type Authenticator = Pick<AuthStore, 'authenticateBasic' | 'authenticateApiKey'>;

function unauthenticated(ctx: Context): KairosError {
  ctx.set('WWW-Authenticate', WWW_AUTHENTICATE);
  return new KairosError('unauthenticated', 'authentication required');
}

/** Decodes `Basic <base64(user:pass)>`; undefined when malformed. */
export function parseBasic(token: string): { username: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function resolvePrincipal(ctx: Context, store: Authenticator): Promise<Principal | null> {
  // Failed attempts are throttled per client address (and per username): app.proxy is off, so this
  // is the socket's peer, which a client cannot choose with a header.
  const address = ctx.ip;
  const apiKeyHeader = ctx.get('X-API-Key').trim();
  if (apiKeyHeader !== '') return store.authenticateApiKey(apiKeyHeader, address);

  const header = ctx.get('Authorization').trim();
  if (header === '') return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const token = header.slice(space + 1).trim();
  if (scheme === 'bearer') return store.authenticateApiKey(token, address);
  if (scheme === 'basic') {
    const creds = parseBasic(token);
    return creds ? store.authenticateBasic(creds.username, creds.password, address) : null;
  }
  return null;
}

/**
 * Koa middleware that requires valid credentials. Throws KairosError('unauthenticated') (after
 * setting `WWW-Authenticate`) when they are missing, malformed or wrong, and RateLimited (429) while
 * failed logins of the username or from the client's address are throttled.
 */
export function authenticate(store: Authenticator): Middleware {
  return async (ctx, next) => {
    const principal = await resolvePrincipal(ctx, store);
    if (!principal) throw unauthenticated(ctx);
    ctx.state.principal = principal;
    await next();
  };
}

/** The authenticated principal; throws 'unauthenticated' if `authenticate` did not run or failed. */
export function principalOf(ctx: Context): Principal {
  const p = (ctx.state as { principal?: Principal }).principal;
  if (!p) throw unauthenticated(ctx);
  return p;
}

/** The principal if it is an admin; otherwise throws KairosError('forbidden'). */
export function requireAdmin(ctx: Context): Principal {
  const p = principalOf(ctx);
  if (p.role !== 'admin') throw new KairosError('forbidden', 'admin role required');
  return p;
}
