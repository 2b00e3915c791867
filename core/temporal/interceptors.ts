// The interceptors of Kairos's Temporal clients: every workflow a request starts carries the
// request's id (a header the worker's interceptors put into that run's log lines) and, when this
// process traces, the request's span (OpenTelemetry's client interceptor: the run joins its trace).
import type { Next, WorkflowClientInterceptor, WorkflowSignalWithStartInput, WorkflowStartInput, WorkflowStartOutput } from '@temporalio/client';
import { requestIdHeader } from '../telemetry/run-context.ts';
import { currentRequestId } from '../telemetry/request-scope.ts';
import { currentTracing } from '../telemetry/tracing.ts';

/** Adds the current request's id (core/telemetry/request-scope.ts) to the workflows it starts. */
class RequestIdInterceptor implements WorkflowClientInterceptor {
  private headers(input: { headers: WorkflowStartInput['headers'] }): WorkflowStartInput['headers'] {
    const requestId = currentRequestId();
    return requestId === undefined ? input.headers : { ...input.headers, ...requestIdHeader(requestId) };
  }

  async startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>): Promise<WorkflowStartOutput> {
    return await next({ ...input, headers: this.headers(input) });
  }

  async signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>): Promise<string> {
    return await next({ ...input, headers: this.headers(input) });
  }
}

/** The workflow-client interceptors of a Kairos client (OpenTelemetry's, loaded only when tracing is on). */
export async function workflowClientInterceptors(): Promise<WorkflowClientInterceptor[]> {
  if (currentTracing() === undefined) return [new RequestIdInterceptor()];
  const { OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return [new RequestIdInterceptor(), new OpenTelemetryWorkflowClientInterceptor()];
}
