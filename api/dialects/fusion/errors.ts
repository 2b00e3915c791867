// Fusion's REST error body: {"type": "RESTError", "httpStatusCode", "httpStatusMessage", "requestMethod",
// "requestUri", "message", "details"?}. Handlers throw FusionError for the wire-level rules this dialect
// checks itself (resource syntax, unknown type, bad trigger, bad action); every other error (the job
// service's validation, not found, conflict, auth, bad JSON) arrives normalized and is rendered the same way.
import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ErrorDetail } from '../../../core/errors.ts';
import { clientFacing, errorRenderer, type Failure } from '../kit/errors.ts';

/** An error with the status Fusion answers with. */
export class FusionError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'FusionError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new FusionError(400, message, details);

/** Fusion's error body (its OpenAPI document's Error schema). */
export const FusionErrorBodySchema = z.object({
  type: z.literal('RESTError'),
  httpStatusCode: z.number().int(),
  httpStatusMessage: z.string(),
  requestMethod: z.string(),
  requestUri: z.string().describe('the path only'),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type FusionErrorBody = z.infer<typeof FusionErrorBodySchema>;

export function fusionErrorBody(ctx: Pick<Context, 'method' | 'path'>, status: number, message: string, details: ErrorDetail[]): FusionErrorBody {
  return {
    type: 'RESTError',
    httpStatusCode: status,
    httpStatusMessage: STATUS_CODES[status] ?? 'Error',
    requestMethod: ctx.method,
    // The path only: a query string may carry credentials.
    requestUri: ctx.path,
    message,
    ...(details.length > 0 ? { details } : {}),
  };
}

export const renderFusionError = errorRenderer<FusionError, Failure>({
  own: FusionError,
  fromOwn: (e) => e,
  fromKairos: clientFacing,
  shape: (ctx, f) => fusionErrorBody(ctx, f.status, f.message, f.details),
});
