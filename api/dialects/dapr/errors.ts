// Dapr's error body: {"errorCode", "message", "details": [google.rpc.ErrorInfo, …]} with Dapr's codes.
// Handlers throw DaprError for the wire-level rules Dapr itself checks (name in the body, empty
// schedule, …); every other error (the job service's validation, not found, conflict, auth, bad JSON)
// is rendered here from the operation the request was doing, as Dapr's runtime words it.
import { z } from 'zod';
import type { ErrorDetail } from '../../../core/errors.ts';
import type { NormalizedError } from '../../errors.ts';
import { errorRenderer, withDetails } from '../kit/errors.ts';

export const DAPR_CODES = {
  scheduleJob: 'DAPR_SCHEDULER_SCHEDULE_JOB',
  jobName: 'DAPR_SCHEDULER_JOB_NAME',
  jobNameEmpty: 'DAPR_SCHEDULER_JOB_NAME_EMPTY',
  getJob: 'DAPR_SCHEDULER_GET_JOB',
  deleteJob: 'DAPR_SCHEDULER_DELETE_JOB',
  empty: 'DAPR_SCHEDULER_EMPTY',
  scheduleEmpty: 'DAPR_SCHEDULER_SCHEDULE_EMPTY',
  malformed: 'ERR_MALFORMED_REQUEST',
  unauthenticated: 'ERR_UNAUTHENTICATED',
  forbidden: 'ERR_PERMISSION_DENIED',
  notFound: 'ERR_NOT_FOUND',
} as const;

export type DaprOp = 'schedule' | 'get' | 'delete';

/** An error with Dapr's own code and status (always a client mistake: 4xx). */
export class DaprError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly violations: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DaprError';
  }
}

/** What the router records for the renderer: the operation, the app and the job's name. */
export interface DaprState {
  daprOp?: DaprOp;
  daprAppId?: string;
  daprName?: string;
}

const OP_CODE: Record<DaprOp, string> = { schedule: DAPR_CODES.scheduleJob, get: DAPR_CODES.getJob, delete: DAPR_CODES.deleteJob };
const OP_VERB: Record<DaprOp, string> = { schedule: 'schedule', get: 'get', delete: 'delete' };

function body(code: string, message: string, appId: string | undefined, violations: ErrorDetail[]) {
  const details: Record<string, unknown>[] = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: code, domain: 'dapr.io', metadata: appId ? { appID: appId } : {} },
  ];
  if (violations.length > 0) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: violations.map((v) => ({ field: v.path, description: v.message })),
    });
  }
  return { errorCode: code, message, details };
}

/** Dapr's error body as its OpenAPI document shows it (the shape `body` builds). */
export const DaprErrorBodySchema = z.object({
  errorCode: z.string().describe(`Dapr's code, e.g. ${DAPR_CODES.scheduleJob}, ${DAPR_CODES.malformed}`),
  message: z.string(),
  details: z.array(z.record(z.string(), z.unknown())).describe('google.rpc.ErrorInfo (reason, domain dapr.io, metadata.appID), then google.rpc.BadRequest with fieldViolations when fields are at fault'),
});

/** Dapr's status and body for an error raised while serving a Dapr route. */
export interface DaprFailure {
  status: number;
  body: ReturnType<typeof body>;
}

/** Chooses Dapr's status, code and message for an error (not a DaprError) raised while serving a Dapr route. */
export function daprErrorFor(state: DaprState, err: NormalizedError): DaprFailure {
  const appId = state.daprAppId;
  if (err.code === 'malformed_json') {
    return { status: 400, body: body(DAPR_CODES.malformed, `failed deserializing HTTP body: ${err.details[0]?.message ?? err.message}`, appId, []) };
  }
  if (err.status === 401) return { status: 401, body: body(DAPR_CODES.unauthenticated, err.message, appId, []) };
  if (err.status === 403) return { status: 403, body: body(DAPR_CODES.forbidden, err.message, appId, []) };
  const op = state.daprOp;
  if (!op) return { status: err.status, body: body(err.status === 404 ? DAPR_CODES.notFound : DAPR_CODES.malformed, err.message, appId, []) };
  const code = OP_CODE[op];
  const prefix = `failed to ${OP_VERB[op]} job due to: `;
  // Dapr answers a GET of a missing job with a 500 (its scheduler's NotFound, wrapped); clients test for it.
  if (op === 'get' && err.status === 404) {
    return { status: 500, body: body(code, `${prefix}job not found: ${state.daprName ?? ''}`, appId, []) };
  }
  // Dapr reports most schedule mistakes as 500 (its scheduler's error, wrapped); they keep their 4xx here.
  return { status: err.status, body: body(code, `${prefix}${withDetails(err.message, err.details)}`, appId, err.details) };
}

export const renderDaprError = errorRenderer<DaprError, DaprFailure>({
  own: DaprError,
  fromOwn: (e, ctx) => ({ status: e.status, body: body(e.errorCode, e.message, (ctx.state as DaprState).daprAppId, e.violations) }),
  fromKairos: (err, ctx) => daprErrorFor(ctx.state as DaprState, err),
  shape: (_ctx, failure) => failure.body,
});
