// Maps anything thrown while handling a request onto an HTTP status. Each API surface (native /v1
// and each dialect) supplies a renderer for its own error body; the status mapping lives here once.
import type { Context } from 'koa';
import { z } from 'zod';
import { KairosError, RateLimited, Unavailable, type ErrorDetail, type ErrorKind } from '../core/errors.ts';
import { mapDatabaseError } from '../core/db/errors.ts';
import { mapTemporalError } from '../core/temporal/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unsupported: 400,
  unavailable: 503,
  // Temporal refused Kairos itself (credentials, namespace): the operator's to fix, not the caller's.
  misconfigured: 500,
  unsupported_media_type: 415,
  rate_limited: 429,
};

export interface NormalizedError {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  /** Sent as `Retry-After` (a throttled login, Temporal over its rate limits). */
  retryAfterSeconds?: number;
  /** Unexpected errors keep their cause for the log, never for the response. */
  cause?: unknown;
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

export function normalizeError(thrown: unknown): NormalizedError {
  // A Temporal failure that reached here unmapped (core/temporal maps every call it makes) is mapped
  // by the same table, so that a permission error never reads as "unavailable" and vice versa. A
  // state store that is restarting or unreachable is unavailable too (503), not an internal error.
  const err = mapDatabaseError(mapTemporalError(thrown));
  if (err instanceof RateLimited) {
    return { status: 429, code: err.kind, message: err.message, details: err.details, retryAfterSeconds: err.retryAfterSeconds };
  }
  if (err instanceof KairosError) {
    const status = STATUS[err.kind];
    return {
      status,
      code: err.kind,
      message: err.message,
      details: err.details,
      ...(err instanceof Unavailable && err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
      // A 5xx is logged with what Temporal said (never sent to the caller).
      ...(status >= 500 && err.cause !== undefined ? { cause: err.cause } : {}),
    };
  }
  const e = (err ?? {}) as HttpishError;
  const status = e.status ?? e.statusCode;
  // Errors raised by Koa/bodyparser for client mistakes (bad JSON, too large, wrong type) carry a 4xx.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return { status, code: 'payload_too_large', message: 'request body is too large', details: [] };
    if (e.type === 'entity.parse.failed' || /JSON/i.test(e.message ?? '')) {
      return { status: 400, code: 'malformed_json', message: 'request body is not valid JSON', details: [{ path: '', message: e.message ?? 'invalid JSON' }] };
    }
    return { status, code: 'bad_request', message: e.expose === false ? 'bad request' : (e.message ?? 'bad request'), details: [] };
  }
  return { status: 500, code: 'internal', message: 'internal error', details: [], cause: err };
}

/**
 * Renders an error in a surface's own shape. `thrown` is the error as thrown (absent for a request no
 * route matched): a dialect prefers its own error class's status and fields to the normalized ones.
 */
export type ErrorRenderer = (ctx: Context, err: NormalizedError, thrown?: unknown) => void;

/** The native /v1 error body, as the API documents it (api/native/openapi.ts). */
export const NativeErrorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('validation, unauthenticated, forbidden, not_found, conflict, precondition_failed, rate_limited, malformed_json, …'),
    message: z.string(),
    details: z.array(z.object({ path: z.string().describe("the offending field, dotted ('' for the whole request)"), message: z.string() })),
  }),
});

/** The native /v1 error shape: {"error":{"code","message","details":[{"path","message"}]}}. */
export const renderNativeError: ErrorRenderer = (ctx, err) => {
  ctx.status = err.status;
  ctx.body = { error: { code: err.code, message: err.message, details: err.details } };
};
