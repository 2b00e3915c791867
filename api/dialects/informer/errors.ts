// Informer's error body, as its hapi server answers (Boom): {"statusCode", "error", "message"} and,
// for a request that fails validation, "validation": {"source", "keys"} naming the offending fields.
// Handlers throw InformerError for the wire-level rules this dialect checks itself; every other error
// (the core's validation, not found, forbidden, conflict, auth, bad JSON) arrives normalized and is
// rendered in the same shape, its field paths translated to Informer's names.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { ErrorDetail } from '../../../core/errors.ts';
import type { NormalizedError } from '../../errors.ts';
import { errorRenderer } from '../kit/errors.ts';

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

/** Informer's error body (its OpenAPI document's Error schema). */
export const InformerErrorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('the status text'),
  message: z.string(),
  validation: z.object({ source: z.enum(['payload', 'params', 'query']), keys: z.array(z.string()) }).optional().describe('a 400: where and which fields'),
});
export type InformerErrorBody = z.infer<typeof InformerErrorBodySchema>;

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

/** A failure as Informer words it: status, message, offending fields and where they were sent. */
type InformerFailure = Pick<InformerError, 'status' | 'message' | 'details' | 'source'>;

function fromKairos(err: NormalizedError): InformerFailure {
  const details = err.status >= 500 ? [] : err.details;
  return { status: err.status, message: err.status >= 500 ? err.message : messageOf(err), details, source: details.some((d) => d.path.startsWith('query')) ? 'query' : 'payload' };
}

export const renderInformerError = errorRenderer<InformerError, InformerFailure>({
  own: InformerError,
  fromOwn: (e) => e,
  fromKairos,
  shape: (_ctx, f) => body(f.status, f.message, f.details, f.source),
});
