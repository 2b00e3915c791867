// CluedIn's API is ASP.NET Core, whose error body is an RFC 7807 problem details document; a model
// validation failure lists each field's messages under "errors":
//   {"type", "title", "status", "detail", "instance", "traceId", "errors": {"cron": ["…"]}}
// Handlers throw CluedInError for the wire-level rules this dialect checks itself; every other
// error (the job service's validation, not found, conflict, auth, bad JSON, too large) arrives
// normalized and is rendered the same way.
import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ErrorDetail } from '../../../core/errors.ts';
import { clientFacing, errorRenderer, type Failure } from '../kit/errors.ts';

export class CluedInError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Field → reasons; the field named as the client sent it (`cron`, `jobIds[]`, `take`). */
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'CluedInError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new CluedInError(400, message, details);

/** ASP.NET Core's problem details (RFC 9457), as CluedIn answers errors: its OpenAPI document's Error schema. */
export const ProblemDetailsSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().describe('the path only'),
  traceId: z.string(),
  errors: z.record(z.string(), z.array(z.string())).optional().describe('a 400: the messages by field'),
});
export type ProblemDetails = z.infer<typeof ProblemDetailsSchema>;

/** The RFC 9110 section ASP.NET Core links each client and server error status to. */
const SECTION: Record<number, string> = {
  400: '15.5.1', 401: '15.5.2', 403: '15.5.4', 404: '15.5.5', 405: '15.5.6', 406: '15.5.7', 409: '15.5.10',
  412: '15.5.13', 413: '15.5.14', 415: '15.5.16', 422: '15.5.21', 500: '15.6.1', 501: '15.6.2', 503: '15.6.4',
};

const VALIDATION_TITLE = 'One or more validation errors occurred.';

interface CluedInState {
  requestId?: string;
}

export function problem(ctx: Pick<Context, 'path' | 'state'>, status: number, message: string, details: ErrorDetail[]): ProblemDetails {
  // Field names come from the client ("constructor", "__proto__"): a Map, not a plain object, collects them.
  const byField = new Map<string, string[]>();
  for (const d of details) byField.set(d.path || '$', [...(byField.get(d.path || '$') ?? []), d.message]);
  const errors = Object.fromEntries(byField);
  const section = SECTION[status];
  return {
    type: section ? `https://tools.ietf.org/html/rfc9110#section-${section}` : 'about:blank',
    title: status === 400 && details.length > 0 ? VALIDATION_TITLE : (STATUS_CODES[status] ?? 'Error'),
    status,
    detail: message,
    // The path only: a query string may carry credentials.
    instance: ctx.path,
    traceId: String((ctx.state as CluedInState).requestId ?? ''),
    ...(details.length > 0 ? { errors } : {}),
  };
}

export const renderCluedInError = errorRenderer<CluedInError, Failure>({
  own: CluedInError,
  fromOwn: (e) => e,
  fromKairos: clientFacing,
  shape: (ctx, f) => problem(ctx, f.status, f.message, f.details),
  type: 'application/problem+json',
});
