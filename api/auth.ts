// Authentication middleware: HTTP Basic (users), an API key (`Authorization: Bearer kairos_…` or
// `X-API-Key: kairos_…`), or the dashboard's session cookie (`kairos_session`, core/auth/sessions.ts).
// Sets `ctx.state.principal` (and `ctx.state.session` for a cookie); nothing here logs or echoes a
// credential.
//
// A cookie is the one credential a browser attaches by itself, so a state-changing request that
// authenticates with it must also carry the session's CSRF token in `X-CSRF-Token`, which a page of
// another site cannot know (app.ts refuses foreign origins before this as well). Basic and API keys
// are sent by the caller on purpose and need none.
import type { Context, Middleware } from 'koa';
import { KairosError } from '../core/errors.ts';
import type { AuthStore, Principal } from '../core/auth/store.ts';
import { CSRF_HEADER, SESSION_COOKIE, type ActiveSession } from '../core/auth/sessions.ts';

export type { Principal } from '../core/auth/store.ts';

export const WWW_AUTHENTICATE = 'Basic realm="kairos"';

/**
 * The header (and its value) the dashboard sends on its own fetches. A 401 to them comes without the
 * Basic challenge, which would make the browser show its password prompt over the dashboard's login
 * form; curl and other API clients, which never send it, keep getting the challenge.
 */
export const DASHBOARD_HEADER = 'X-Kairos-Client';
export const DASHBOARD_CLIENT = 'dashboard';

/** The subset of the store the middleware needs (handy for tests). */
export type Authenticator = Pick<AuthStore, 'authenticateBasic' | 'authenticateApiKey' | 'sessions'>;

/** Methods that change nothing: a cookie-authenticated request needs no CSRF token for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthenticated(ctx: Context): KairosError {
  if (ctx.get(DASHBOARD_HEADER) !== DASHBOARD_CLIENT) ctx.set('WWW-Authenticate', WWW_AUTHENTICATE);
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
  if (header === '') return await sessionPrincipal(ctx, store);
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

/** The session cookie's token, or undefined when the request has none. */
export function sessionToken(ctx: Context): string | undefined {
  const v = ctx.cookies.get(SESSION_COOKIE);
  return v === undefined || v === '' ? undefined : v;
}

/** The principal of a valid session cookie; 403 for an unsafe method without the session's CSRF token. */
async function sessionPrincipal(ctx: Context, store: Authenticator): Promise<Principal | null> {
  const token = sessionToken(ctx);
  if (token === undefined) return null;
  const session = await store.sessions.validate(token);
  if (!session) return null;
  if (!SAFE_METHODS.has(ctx.method) && !session.checkCsrf(ctx.get(CSRF_HEADER).trim())) {
    throw new KairosError('forbidden', `a request authenticated by the session cookie must send the session's CSRF token in ${CSRF_HEADER}`, [
      { path: CSRF_HEADER, message: 'missing or not this session\'s token' },
    ]);
  }
  (ctx.state as { session?: ActiveSession }).session = session;
  return session.principal;
}

/** The session the request authenticated with, if it came with the session cookie. */
export function sessionOf(ctx: Context): ActiveSession | undefined {
  return (ctx.state as { session?: ActiveSession }).session;
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
