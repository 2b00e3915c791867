// Dashboard login sessions (core/auth/sessions.ts): POST /v1/sessions trades a username and password
// for a session cookie (HttpOnly, SameSite=Strict, Secure over TLS) and the session's CSRF token,
// which every state-changing request made with the cookie sends back in X-CSRF-Token (api/auth.ts).
// The login takes no prior authentication (the native surface lists it in `publicRoutes`) but passes
// the cross-site check, so a page of another site cannot log a browser in to an account of its
// choosing. Failed logins are throttled as HTTP Basic's are (the store's LoginThrottle).
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { KairosError, detailsFromZod, type ErrorDetail } from '../../core/errors.ts';
import { PASSWORD_MAX } from '../../core/auth/store.ts';
import type { AuthStore } from '../../core/auth/store.ts';
import { csrfTokenOf, SESSION_COOKIE } from '../../core/auth/sessions.ts';
import { principalOf, sessionOf, sessionToken } from '../auth.ts';
import { registerOperations } from '../openapi.ts';
import { UserSchema } from './users.ts';

/** The login route, relative to /v1, for the surface's `publicRoutes`. */
export const LOGIN_ROUTE = 'POST /sessions';

/** `POST /v1/sessions`: the credentials, checked as HTTP Basic's are. */
export const LoginBody = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(PASSWORD_MAX),
  })
  .strict();

const SessionSchema = z
  .object({
    csrfToken: z.string().describe('send it as X-CSRF-Token on every state-changing request made with the session cookie'),
    expiresAt: z.string().describe('when the session ends unless used (slides with use)'),
    absoluteExpiresAt: z.string().describe('when the session ends however much it is used'),
    user: UserSchema,
  })
  .meta({ id: 'Session' });

registerOperations('native', [
  {
    operationId: 'login',
    method: 'post',
    path: '/v1/sessions',
    summary: 'Log in: sets the HttpOnly session cookie kairos_session',
    tag: 'auth',
    public: true,
    request: LoginBody,
    response: SessionSchema,
    status: 201,
    errors: [401],
  },
  { operationId: 'getCurrentSession', method: 'get', path: '/v1/sessions/current', summary: 'The session of the cookie', tag: 'auth', response: SessionSchema.extend({ createdAt: z.string() }) },
  { operationId: 'logout', method: 'delete', path: '/v1/sessions/current', summary: 'Log out: ends the session and clears the cookie', tag: 'auth', status: 204 },
]);

/** `Set-Cookie` for the session token (or, with no token, one that deletes the cookie). */
export function sessionCookie(ctx: Context, token: string | undefined, expires?: string): string {
  const parts = [`${SESSION_COOKIE}=${token ?? ''}`, 'HttpOnly', 'SameSite=Strict', 'Path=/'];
  // Expiring the cookie with the session's absolute lifetime; the server ends it earlier when idle.
  parts.push(token === undefined ? 'Max-Age=0' : `Expires=${new Date(expires ?? 0).toUTCString()}`);
  // app.proxy is off: only a TLS connection to this process counts, not a header a client can send.
  if (ctx.secure) parts.push('Secure');
  return parts.join('; ');
}

/** username and password, or 401 naming what is missing (no credentials is a failed login, as a wrong password is). */
function credentials(body: unknown): z.infer<typeof LoginBody> {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const missing: ErrorDetail[] = ['username', 'password'].filter((f) => b[f] === undefined || b[f] === '').map((path) => ({ path, message: 'is required' }));
  if (missing.length > 0) throw new KairosError('unauthenticated', 'username and password required', missing);
  const r = LoginBody.safeParse(b);
  if (!r.success) throw new KairosError('validation', 'invalid request body', detailsFromZod(r.error.issues));
  return r.data;
}

const noSession = () => new KairosError('not_found', 'this request did not come with a session cookie');

/** Routes under /v1 (no prefix on the router). */
export function sessionRoutes(store: AuthStore): Router {
  const router = new Router();

  router.post('/v1/sessions', async (ctx) => {
    const { username, password } = credentials(ctx.request.body);
    const login = await store.login(username, password, ctx.ip);
    // One answer for an unknown user and a wrong password.
    if (!login) throw new KairosError('unauthenticated', 'wrong username or password');
    const session = await store.sessions.create({ id: login.principal.id, credentialVersion: login.credentialVersion });
    ctx.status = 201;
    ctx.append('Set-Cookie', sessionCookie(ctx, session.token, session.absoluteExpiresAt));
    ctx.body = {
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      user: await store.getUser(login.principal.id),
    };
  });

  router.get('/v1/sessions/current', async (ctx) => {
    const p = principalOf(ctx);
    const session = sessionOf(ctx);
    const token = sessionToken(ctx);
    if (!session || token === undefined) throw noSession();
    ctx.body = {
      // The dashboard after a reload: the cookie's holder may be told the CSRF token again.
      csrfToken: csrfTokenOf(token),
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      user: await store.getUser(p.id),
    };
  });

  // Log-out: ends the session (its CSRF token was checked, as for every unsafe cookie request).
  router.delete('/v1/sessions/current', async (ctx) => {
    principalOf(ctx);
    const session = sessionOf(ctx);
    if (!session) throw noSession();
    await store.sessions.revokeHash(session.idHash);
    ctx.append('Set-Cookie', sessionCookie(ctx, undefined));
    ctx.status = 204;
  });

  return router;
}
