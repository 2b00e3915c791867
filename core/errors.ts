// Domain errors. The API layer maps each kind to an HTTP status and each dialect to its own shape;
// nothing below the API knows about HTTP.
export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `triggers.0.expression`; '' for the whole request. */
  path: string;
  message: string;
}

export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'unavailable'
  /**
   * A service Kairos depends on refused Kairos itself (Temporal: permission denied, unauthenticated,
   * unknown namespace, an operation the server does not offer): not the caller's fault and not
   * transient; an operator must fix the setup. The API answers 500 with a message for the operator.
   */
  | 'misconfigured'
  | 'unsupported'
  /** A request body of a type the endpoint does not read (HTTP 415). */
  | 'unsupported_media_type'
  /** Too many failed attempts; see RateLimited.retryAfterSeconds (HTTP 429). */
  | 'rate_limited';

export class KairosError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'KairosError';
  }
}

/** Refused for now (failed logins throttled): the caller may try again after `retryAfterSeconds`. */
export class RateLimited extends KairosError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}

/**
 * A dependency (Temporal) cannot serve now: down, timing out, or over its rate limits. With
 * `retryAfterSeconds` the API sends `Retry-After` (Temporal's RESOURCE_EXHAUSTED).
 */
export class Unavailable extends KairosError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super('unavailable', message);
  }
}

export const validationError = (message: string, details: ErrorDetail[] = []) => new KairosError('validation', message, details);
export const notFound = (what: string, id: string) => new KairosError('not_found', `${what} '${id}' not found`);
export const conflict = (message: string, details: ErrorDetail[] = []) => new KairosError('conflict', message, details);
export const unavailable = (message: string) => new KairosError('unavailable', message);
export const forbidden = (message: string) => new KairosError('forbidden', message);

/** zod issues → error details with dotted paths. */
export function detailsFromZod(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix = ''): ErrorDetail[] {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'),
    message: i.message,
  }));
}
