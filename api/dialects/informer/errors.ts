// Informer's error body, as its hapi server answers (Boom): {"statusCode", "error", "message"} and,
// for a request that fails validation, "validation": {"source", "keys"} naming the offending fields.
// Handlers throw InformerError for the wire-level rules this dialect checks itself; every other error
// (the core's validation, not found, forbidden, conflict, auth, bad JSON) arrives normalized and is
// rendered in the same shape, its field paths translated to Informer's names.
import { STATUS_CODES } from 'node:http';
import type { ErrorDetail } from '../../../core/errors.ts';
import type { ErrorRenderer, NormalizedError } from '../../errors.ts';
import { rememberErrorAs } from '../../remember-error.ts';

export type ValidationSource = 'payload' | 'params' | 'query';

export class InformerError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly source: ValidationSource = 'payload',
  ) {
    super(message);
    this.name = 'InformerError';
  }
}

/** A 400 naming one field and the reason: `"interval" must be a 5- or 6-field cron expression`. */
export function invalid(field: string, reason: string, source: ValidationSource = 'payload'): InformerError {
  return new InformerError(400, `"${field}" ${reason}`, [{ path: field, message: reason }], source);
}

export interface InformerErrorBody {
  statusCode: number;
  error: string;
  message: string;
  validation?: { source: ValidationSource; keys: string[] };
}

interface InformerState {
  informerError?: unknown;
}

/** Remembers the error as thrown, so the renderer keeps an InformerError's own status and source. */
export const rememberError = rememberErrorAs<InformerState>('informerError');

/**
 * The core's field paths as Informer names them: a trigger is the job's `interval`; the canonical
 * `slug`, `startOn`, … keep their names; `data.url` stays a path into the driver's data.
 */
export function informerField(path: string): string {
  if (/^triggers(\.|$)/.test(path)) return 'interval';
  if (path === 'query.sort') return 'sort';
  return path;
}

function body(status: number, message: string, details: ErrorDetail[], source: ValidationSource): InformerErrorBody {
  const keys = [...new Set(details.map((d) => informerField(d.path)).filter((k) => k !== ''))];
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    ...(status === 400 && keys.length > 0 ? { validation: { source, keys } } : {}),
  };
}

function messageOf(err: NormalizedError): string {
  if (err.details.length === 0) return err.message;
  return err.details.map((d) => (d.path ? `"${informerField(d.path)}" ${d.message}` : d.message)).join('; ');
}

export const renderInformerError: ErrorRenderer = (ctx, err) => {
  const original = (ctx.state as InformerState).informerError;
  if (original instanceof InformerError) {
    ctx.status = original.status;
    ctx.body = body(original.status, original.message, original.details, original.source);
    return;
  }
  ctx.status = err.status;
  const details = err.status >= 500 ? [] : err.details;
  ctx.body = body(err.status, err.status >= 500 ? err.message : messageOf(err), details, details.some((d) => d.path.startsWith('query')) ? 'query' : 'payload');
};
