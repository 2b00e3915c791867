// The Node side of the headers that tie a run's log lines to the request that started it (names
// in core/temporal/contract.ts; the workflow side is workflows/interceptors.ts): the API's client
// interceptor writes the request id, the worker's activity interceptor reads the run's fields.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { REQUEST_ID_HEADER, RUN_LOG_HEADER, isRunLogFields, type RunLogFields } from '../temporal/contract.ts';

/** The header that carries a request id into the workflow it starts. */
export function requestIdHeader(requestId: string): Record<string, Payload> {
  return { [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) };
}

/** The run's log fields an activity's headers carry; undefined when absent or malformed. */
export function runLogFieldsOf(headers: Record<string, Payload> | undefined): RunLogFields | undefined {
  const payload = headers?.[RUN_LOG_HEADER];
  if (!payload) return undefined;
  try {
    const v = defaultPayloadConverter.fromPayload(payload);
    return isRunLogFields(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
