// Volt MX's error bodies. The admin job APIs answer every call with
// {"status": "SUCCESS"|"FAIL", "result", "message", "token"}: a failure is status FAIL with a short
// message, the full result (here: a code and one entry per offending field) and no CSRF token. The
// accounts login answers as Volt MX's identity service does: {"code", "domain": "AUTH", "mfcode",
// "message", "details"}. Handlers throw VoltmxError for the rules this dialect checks itself; every
// other error (the job service's validation, not found, conflict, auth, bad JSON) arrives normalized
// and is rendered the same way, with its HTTP status kept.
import { z } from 'zod';
import { clientFacing, errorRenderer } from '../kit/errors.ts';

/** One offending field, named as Volt MX names it (`jobServiceInfo.serviceType`). */
export interface FieldError {
  field: string;
  message: string;
}

export interface AdminResult<R = unknown> {
  status: 'SUCCESS' | 'FAIL';
  result: R;
  message: string | null;
  token: null;
}

export const SUCCESS: AdminResult<null> = { status: 'SUCCESS', result: null, message: null, token: null };

const FieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/** The admin APIs' answer as the OpenAPI document shows it: SUCCESS with no result, or FAIL with a code and the fields. */
export const AdminResultSchema = z.object({
  status: z.enum(['SUCCESS', 'FAIL']),
  result: z.object({ code: z.string().describe('e.g. JOB_NOT_FOUND, INVALID_FIELD, FAILURE_EXPIRED_TOKEN'), errors: z.array(FieldErrorSchema) }).nullable(),
  message: z.string().nullable(),
  token: z.null(),
});

/** The accounts login's error body (identityErrorBody), as the OpenAPI document shows it. */
export const IdentityErrorSchema = z.object({
  code: z.number().int().describe('-4 invalid credentials, -5 invalid token, -6 expired token'),
  domain: z.literal('AUTH'),
  mfcode: z.string(),
  message: z.string(),
  details: z.object({ errcode: z.number().int(), errmsg: z.string(), errors: z.array(FieldErrorSchema) }),
});

/** Identity-service failure codes (Volt MX's FAILURE_* numbering). */
export const AUTH_CODES = {
  invalidUserCredentials: { code: -4, name: 'FAILURE_INVALID_USER_CREDENTIALS', text: 'Invalid User Credentials' },
  invalidToken: { code: -5, name: 'FAILURE_INVALID_TOKEN', text: 'Token invalid' },
  expiredToken: { code: -6, name: 'FAILURE_EXPIRED_TOKEN', text: 'Token expired' },
} as const;

export type AuthFailure = keyof typeof AUTH_CODES;

export class VoltmxError extends Error {
  constructor(
    readonly status: number,
    /** A stable code for `result.code`, e.g. JOB_NOT_FOUND, INVALID_FIELD, FAILURE_EXPIRED_TOKEN. */
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'VoltmxError';
  }
}

export const invalid = (fields: FieldError[], message?: string) =>
  new VoltmxError(400, 'INVALID_FIELD', message ?? fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);

export const jobNotFound = (jobId: number | string) => new VoltmxError(404, 'JOB_NOT_FOUND', `job ${jobId} not found`, [{ field: 'jobId', message: 'names no job' }]);

export const authFailure = (kind: AuthFailure, fields: FieldError[] = []) => new VoltmxError(401, AUTH_CODES[kind].name, AUTH_CODES[kind].text, fields);

/** The login route's error body (identity service shape). */
export function identityErrorBody(status: number, code: string, message: string, fields: FieldError[]) {
  const known = Object.values(AUTH_CODES).find((c) => c.name === code);
  const num = known?.code ?? (status === 401 ? -4 : -1);
  return { code: num, domain: 'AUTH', mfcode: `Auth-${Math.abs(num)}`, message, details: { errcode: num, errmsg: message, errors: fields } };
}

/** The admin routes' error body. */
export function adminErrorBody(code: string, message: string, fields: FieldError[]): AdminResult<{ code: string; errors: FieldError[] }> {
  return { status: 'FAIL', result: { code, errors: fields }, message, token: null };
}

const KIND_CODE: Record<string, string> = {
  validation: 'INVALID_FIELD',
  unsupported: 'INVALID_FIELD',
  unauthenticated: AUTH_CODES.invalidToken.name,
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  malformed_json: 'MALFORMED_REQUEST',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
};

export const isLoginPath = (path: string) => /\/authService\//.test(path);

/** A failure as Volt MX words it: status, `result.code`, message and the offending fields. */
type VoltmxFailure = Pick<VoltmxError, 'status' | 'code' | 'message' | 'fields'>;

export const renderVoltmxError = errorRenderer<VoltmxError, VoltmxFailure>({
  own: VoltmxError,
  fromOwn: (e) => e,
  fromKairos: (err) => {
    const f = clientFacing(err);
    return { status: f.status, code: KIND_CODE[err.code] ?? err.code.toUpperCase(), message: f.message, fields: f.details.map((d) => ({ field: d.path, message: d.message })) };
  },
  shape: (ctx, e) => (isLoginPath(ctx.path) ? identityErrorBody(e.status, e.code, e.message, e.fields) : adminErrorBody(e.code, e.message, e.fields)),
});
