// The one map from what Temporal throws (gRPC status errors from raw RPCs, the SDK's own error
// classes, connection failures) to Kairos's domain errors. Every Temporal call core makes goes
// through the gateway (./gateway.ts), which passes failures through here; nothing else in Kairos
// looks at a gRPC code.
//
//   NOT_FOUND, WorkflowNotFound, ScheduleNotFound             → not_found
//   ALREADY_EXISTS, WorkflowExecutionAlreadyStarted,
//   ScheduleAlreadyRunning, a stale schedule conflict token   → conflict
//   INVALID_ARGUMENT, OUT_OF_RANGE, other FAILED_PRECONDITION → validation (the request's fault)
//   UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED,
//   a connection that never came up                           → unavailable (503)
//   RESOURCE_EXHAUSTED                                        → unavailable with Retry-After (503)
//   PERMISSION_DENIED, UNAUTHENTICATED, unknown namespace,
//   UNIMPLEMENTED, a feature disabled on the namespace        → misconfigured (500, for the operator)
//   INTERNAL, UNKNOWN, DATA_LOSS, anything else               → left as it is (500 internal, logged)
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { NamespaceNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { conflict, KairosError, notFound, Unavailable, validationError } from '../errors.ts';

/** What went wrong, in Temporal's terms but without its types. */
export type TemporalFaultKind = 'not_found' | 'conflict' | 'invalid' | 'unavailable' | 'exhausted' | 'permission' | 'misconfigured' | 'internal';

export interface TemporalFault {
  kind: TemporalFaultKind;
  /** For conflicts: the thing exists already, or it changed since it was read (a stale conflict token). */
  reason?: 'already_exists' | 'stale';
  /** The gRPC status name when there was one (e.g. `PERMISSION_DENIED`). */
  grpc?: string;
  /** Temporal's own words (the gRPC details or the SDK error's message). */
  detail: string;
}

/** What a call was about, so that a not-found or conflict names it ("job 'x' not found"). */
export interface Subject {
  what: string;
  id: string;
  /** The request field that holds the id, named in a conflict's details (e.g. `id`). */
  field?: string;
}

/** Seconds a caller should wait after Temporal's RESOURCE_EXHAUSTED (its rate limits refill per second). */
export const EXHAUSTED_RETRY_AFTER_SECONDS = 1;

/**
 * What the SDK's connection says when it never came up (Connection.connect's deadline, grpc-js's
 * channel): words of Temporal's client, not of any socket (a refused PostgreSQL connection is not
 * Temporal being down).
 */
const CONNECTION_FAILURE = /^Failed to connect before the deadline|No connection established/;

function fromGrpcCode(code: number, detail: string): TemporalFault {
  const grpc = GrpcStatus[code] ?? String(code);
  const fault = (kind: TemporalFaultKind, reason?: TemporalFault['reason']): TemporalFault => ({ kind, grpc, detail, ...(reason ? { reason } : {}) });
  switch (code) {
    case GrpcStatus.NOT_FOUND:
      return fault('not_found');
    case GrpcStatus.ALREADY_EXISTS:
      return fault('conflict', 'already_exists');
    case GrpcStatus.FAILED_PRECONDITION:
      // The server's words are the only discriminator: "mismatched conflict token" (a schedule
      // changed since it was read), a namespace or feature the server does not enable, or else a
      // request that does not fit the resource's state.
      if (/conflict/i.test(detail)) return fault('conflict', 'stale');
      if (/namespace|disabled|not enabled|not supported/i.test(detail)) return fault('misconfigured');
      return fault('invalid');
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return fault('invalid');
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return fault('permission');
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return fault('exhausted');
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
    case GrpcStatus.ABORTED:
      return fault('unavailable');
    case GrpcStatus.UNIMPLEMENTED:
      return fault('misconfigured');
    default:
      return fault('internal');
  }
}

/**
 * Classifies a failure of a Temporal call; undefined when it is not Temporal's (a bug in Kairos, a
 * payload that does not decode): those stay what they are.
 */
export function classifyTemporalError(err: unknown, depth = 0): TemporalFault | undefined {
  if (depth > 4 || !(err instanceof Error)) return undefined;
  if (err instanceof KairosError) return undefined;
  if (isGrpcServiceError(err)) return fromGrpcCode(err.code, err.details);
  if (err instanceof WorkflowNotFoundError || err instanceof ScheduleNotFoundError) return { kind: 'not_found', detail: err.message };
  if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof ScheduleAlreadyRunning) return { kind: 'conflict', reason: 'already_exists', detail: err.message };
  if (err instanceof NamespaceNotFoundError) return { kind: 'misconfigured', detail: `namespace '${err.namespace}' does not exist` };
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'unavailable', detail: err.message };
  // The SDK wraps gRPC errors in ServiceError (cause = the gRPC error); a connection that never came
  // up surfaces as a plain Error with the socket error's words.
  const cause = classifyTemporalError(err.cause, depth + 1);
  if (cause) return cause;
  if (err instanceof ServiceError || CONNECTION_FAILURE.test(err.message)) {
    return { kind: 'unavailable', detail: err.message };
  }
  return undefined;
}

/** The domain error for a classified fault (see the table at the top). */
export function faultToKairosError(fault: TemporalFault, subject?: Subject): KairosError | undefined {
  const what = subject ? `${subject.what} '${subject.id}'` : undefined;
  switch (fault.kind) {
    case 'not_found':
      return subject ? notFound(subject.what, subject.id) : new KairosError('not_found', 'not found');
    case 'conflict':
      if (fault.reason === 'stale') return conflict(`${what ?? 'the object'} was changed concurrently; read it again and retry`);
      return conflict(`${what ?? 'the object'} already exists`, subject?.field ? [{ path: subject.field, message: 'already exists' }] : []);
    case 'invalid':
      return validationError(`Temporal refused the request: ${fault.detail}`);
    case 'unavailable':
      return new Unavailable('Temporal is unavailable; try again shortly');
    case 'exhausted':
      return new Unavailable('Temporal is over its rate limits; try again shortly', EXHAUSTED_RETRY_AFTER_SECONDS);
    case 'permission':
      return new KairosError(
        'misconfigured',
        `Temporal refused Kairos's credentials (${fault.grpc ?? 'PERMISSION_DENIED'}): an operator must check the API key or client certificate Kairos uses (TEMPORAL_API_KEY, TEMPORAL_TLS_*) and its rights on the namespace`,
      );
    case 'misconfigured':
      return new KairosError('misconfigured', `Temporal cannot serve Kairos as configured (${fault.grpc ? `${fault.grpc}: ` : ''}${fault.detail}): an operator must check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the server's version and settings`);
    case 'internal':
      return undefined;
  }
}

/**
 * The domain error for anything a Temporal call threw, or the error itself when it is not a
 * Temporal failure or is Temporal's internal error (then it stays a logged 500). The original is
 * kept as `cause` for the log.
 */
export function mapTemporalError(err: unknown, subject?: Subject): unknown {
  const fault = classifyTemporalError(err);
  const mapped = fault && faultToKairosError(fault, subject);
  if (!mapped) return err;
  mapped.cause = err;
  return mapped;
}

/** Runs a Temporal call and rethrows its failure mapped (see mapTemporalError). */
export async function guard<T>(call: () => Promise<T>, subject?: Subject): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapTemporalError(err, subject);
  }
}
