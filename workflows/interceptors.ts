// Kairos's workflow interceptors, bundled with the workflow code (worker/telemetry.ts, next to
// OpenTelemetry's, which continue the trace a start carries or begin one): the run's log fields —
// Kairos's run id, the job id and the id of the API request that started the run — on each line
// the workflow logs and, through a header, on each activity's lines (worker/telemetry.ts).
// Workflow code: deterministic, no I/O.
import {
  defaultPayloadConverter,
  workflowInfo,
  type ActivityInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { REQUEST_ID_HEADER, RUN_LOG_HEADER, type RunLogFields } from '../core/temporal/contract.ts';

/** The request id a start from the API carries (absent on scheduled and dependency runs). */
function requestIdOf(headers: WorkflowExecuteInput['headers']): string | undefined {
  const payload = headers[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const v = defaultPayloadConverter.fromPayload(payload);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The job id of a runJob input (other workflows have none). */
function jobIdOf(args: unknown[]): string | undefined {
  const job = (args[0] as { job?: { id?: unknown } } | undefined)?.job;
  return typeof job?.id === 'string' ? job.id : undefined;
}

class RunFieldsInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly fields: RunLogFields) {}

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const requestId = requestIdOf(input.headers);
    const jobId = jobIdOf(input.args);
    Object.assign(this.fields, { runId: workflowInfo().workflowId }, requestId === undefined ? {} : { requestId }, jobId === undefined ? {} : { jobId });
    return await next(input);
  }
}

class RunFieldsOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly fields: RunLogFields) {}

  async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return await next({ ...input, headers: { ...input.headers, [RUN_LOG_HEADER]: defaultPayloadConverter.toPayload(this.fields) } });
  }

  async scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return await next({ ...input, headers: { ...input.headers, [RUN_LOG_HEADER]: defaultPayloadConverter.toPayload(this.fields) } });
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    // Kairos's run id is the workflow id; Temporal's own run id stays, under a name that says whose it is.
    const { runId: temporalRunId, ...rest } = input;
    return next({ ...rest, temporalRunId, runId: this.fields.runId ?? input.workflowId, ...this.fields });
  }
}

/** Called by the SDK for each workflow it creates: the fields live as long as that workflow. */
export const interceptors = (): WorkflowInterceptors => {
  const fields: RunLogFields = {};
  return { inbound: [new RunFieldsInbound(fields)], outbound: [new RunFieldsOutbound(fields)] };
};
