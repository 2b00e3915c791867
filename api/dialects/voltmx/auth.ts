// Volt MX authentication: POST /authService/accounts/login trades Kairos credentials (userid =
// Kairos username, password) for a claims token, which later calls send as `X-VoltMX-Authorization`.
// Kairos's own credentials (HTTP Basic, API keys) work on these routes too. Tokens are never logged.
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { AuthStore, Principal } from '../../../core/auth/store.ts';
import type { TokenSigner } from '../../../core/auth/tokens.ts';
import { trimEndChar } from '../../../core/text.ts';
import { authFailure, VoltmxError, type FieldError } from './errors.ts';

export const TOKEN_HEADER = 'X-VoltMX-Authorization';
/** A token's audience: tokens issued here are good for the Volt MX routes only. */
export const TOKEN_AUDIENCE = 'voltmx';
export const LOGIN_PATH = '/authService/accounts/login';

export type UserLookup = Pick<AuthStore, 'authenticateToken'>;

/**
 * The surface's authentication: the login route passes (its credentials are in the body), a request
 * with X-VoltMX-Authorization must carry a valid, unexpired token of an existing user whose password
 * and role have not changed (nor its tokens been revoked) since it was issued, and any other request
 * goes through Kairos's usual authentication (`fallback`).
 */
export function voltmxAuthenticate(opts: { prefix: string; tokens: TokenSigner; users: () => UserLookup; fallback: Middleware }): Middleware {
  const loginPath = `${opts.prefix}${LOGIN_PATH}`;
  return async (ctx, next) => {
    if (ctx.method === 'POST' && trimEndChar(ctx.path, '/') === loginPath) return await next();
    const token = ctx.get(TOKEN_HEADER).trim();
    if (token === '') return await opts.fallback(ctx, next);
    ctx.state.principal = await principalOfToken(token, opts.tokens, opts.users());
    await next();
  };
}

async function principalOfToken(token: string, tokens: TokenSigner, users: UserLookup): Promise<Principal> {
  const check = await tokens.verify(token, TOKEN_AUDIENCE);
  if (!check.ok) throw authFailure(check.reason === 'expired' ? 'expiredToken' : 'invalidToken', [{ field: TOKEN_HEADER, message: check.reason === 'expired' ? 'the token has expired; log in again' : 'is not a token this server issued' }]);
  const subject = await users.authenticateToken(check.userId, check.credentialVersion);
  if (subject.ok) return subject.principal;
  // Volt MX has no code of its own for a revoked token; to a client it is invalid, as a forged one.
  const message = subject.reason === 'revoked' ? "its user's password or role changed, or its tokens were revoked, since it was issued; log in again" : 'its user no longer exists';
  throw authFailure('invalidToken', [{ field: TOKEN_HEADER, message }]);
}

/** userid and password from a form-encoded or JSON body. */
/** The login's fields (form-encoded or JSON). */
export const LoginBodySchema = z.object({ userid: z.string().min(1).max(1024), password: z.string().min(1).max(1024) });

/** The login's answer (loginResponse), as the OpenAPI document shows it. */
export const LoginResponseSchema = z.object({
  profile: z.record(z.string(), z.unknown()),
  claims_token: z.object({ value: z.string().describe(`send it as ${TOKEN_HEADER}`), exp: z.number().describe('expiry, epoch milliseconds'), integrity_check_required: z.boolean() }),
  refresh_token: z.null(),
});

export function loginCredentials(body: unknown): { userid: string; password: string } {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const fields: FieldError[] = [];
  const text = (name: 'userid' | 'password'): string => {
    const v = LoginBodySchema.shape[name].safeParse(b[name]);
    if (v.success) return v.data;
    fields.push({ field: name, message: b[name] === undefined || b[name] === '' ? 'is required' : 'must be a string of at most 1024 characters' });
    return '';
  };
  const userid = text('userid');
  const password = text('password');
  // No credentials is an authentication failure (401), as a wrong password is.
  if (fields.length) throw new VoltmxError(401, 'FAILURE_INVALID_USER_CREDENTIALS', `Invalid User Credentials: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  return { userid, password };
}

/** The login answer: the user's profile (Kairos knows only the username) and the claims token. */
export function loginResponse(p: Principal, token: { value: string; expiresAt: number }) {
  const email = p.name.includes('@') ? p.name : null;
  const attributes = { firstname: null, userid: p.name, email, lastname: null };
  return {
    profile: { userid: p.name, email, firstname: null, lastname: null, user_attributes: { user_id: p.name }, profile_attributes: attributes },
    claims_token: { value: token.value, exp: token.expiresAt, integrity_check_required: false },
    // No refresh flow: log in again when the claims token expires.
    refresh_token: null,
  };
}

