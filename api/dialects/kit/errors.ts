// The error-renderer base of every dialect. The app's one error boundary (api/app.ts) hands a
// surface's renderer the error normalized onto a Kairos status and the error as thrown. A dialect
// throws its own error class for the wire-level rules it checks itself (carrying the status, code and
// fields its API answers with); every other error (the core's validation, not found, conflict, auth,
// bad JSON) arrives normalized. Both end in one failure of the dialect's own form, rendered by one
// `shape`: so a dialect's errors.ts says only how its API words and shapes an error.
import type { Context } from 'koa';
import type { ErrorDetail } from '../../../core/errors.ts';
import type { ErrorRenderer, NormalizedError } from '../../errors.ts';

/** A class of errors a dialect throws (matched with `instanceof`). */
export type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** What most dialects render: a status, a message and the offending fields. */
export interface Failure {
  status: number;
  message: string;
  details: ErrorDetail[];
}

/** How one dialect renders errors. `F` is its failure form (at least a status). */
export interface ErrorShape<E extends Error, F extends { status: number }> {
  /** The dialect's own error class: such an error, as thrown, keeps its own status and fields. */
  own: ErrorClass<E>;
  /** The failure for an error of the dialect's own class. */
  fromOwn(err: E, ctx: Context): F;
  /** The failure for any other error, normalized (default for a {@link Failure}: {@link clientFacing}). */
  fromKairos(err: NormalizedError, ctx: Context): F;
  /** The response body of a failure. */
  shape(ctx: Context, failure: F): unknown;
  /** The body's content type, when not JSON's default (ASP.NET's application/problem+json). */
  type?: string;
}

/**
 * A surface renderer from a dialect's {@link ErrorShape}: the status is the failure's, the body the
 * shape's. The one place a dialect error meets the HTTP response.
 */
export function errorRenderer<E extends Error, F extends { status: number }>(spec: ErrorShape<E, F>): ErrorRenderer {
  return (ctx, err, thrown) => {
    const failure = thrown instanceof spec.own ? spec.fromOwn(thrown, ctx) : spec.fromKairos(err, ctx);
    ctx.status = failure.status;
    ctx.body = spec.shape(ctx, failure);
    if (spec.type) ctx.type = spec.type;
  };
}

/** `message: path: reason; path: reason` — the offending fields said in the message (none: the message). */
export function withDetails(message: string, details: readonly ErrorDetail[]): string {
  if (details.length === 0) return message;
  return `${message}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`;
}

/**
 * A normalized error as a client sees it: a client mistake (4xx) names its fields in the message and
 * keeps them; a server error (5xx) says only its message, never the fields of whatever failed inside.
 */
export function clientFacing(err: NormalizedError): Failure {
  if (err.status >= 500) return { status: err.status, message: err.message, details: [] };
  return { status: err.status, message: withDetails(err.message, err.details), details: err.details };
}
