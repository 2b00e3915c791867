// The worker's logs and traces as Temporal's SDK sees them: a Runtime logger that writes the SDK's
// and Temporal Core's lines through pino; activity interceptors that put the run's fields (request
// id, job id, run id) on each activity log line and into the runs an activity starts, and, when
// tracing is on, continue the workflow's trace; the sink that exports the spans workflow code makes.
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { Logger } from 'pino';
import type { RunLogFields } from '../core/temporal/contract.ts';
import { runLogFieldsOf } from '../core/telemetry/run-context.ts';
import { inRequestScope } from '../core/telemetry/request-scope.ts';
import type { Tracing } from '../core/telemetry/tracing.ts';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;

/**
 * Temporal's Logger over pino (Runtime.install's `logger`): the SDK's own lines, workflow `log`
 * calls (through the SDK's logger sink) and activity `Context.current().log` calls, each with the
 * attributes the interceptors added. A thrown error is logged under pino's `err` (its stack kept).
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    // taskToken is an opaque credential-like blob of the activity task: no use in a log line.
    const { error, taskToken: _taskToken, ...fields } = meta as Record<string, unknown>;
    logger[LEVELS[level]]({ ...fields, ...(error === undefined ? {} : { err: error }) }, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/** The run's fields (from the header runJob adds) on each line the activity logs. */
const runLogFields: ActivityInterceptorsFactory = () => {
  let fields: RunLogFields = {};
  return {
    inbound: {
      async execute(input, next) {
        fields = runLogFieldsOf(input.headers) ?? {};
        // The runs this activity starts (a run's dependents) carry the request id on, as the API's starts do.
        const { requestId } = fields;
        return requestId === undefined ? await next(input) : await inRequestScope(requestId, () => next(input));
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        const workflowId = typeof input.workflowId === 'string' ? input.workflowId : undefined;
        return next({ ...input, runId: fields.runId ?? workflowId, ...fields });
      },
    },
  };
};

/** The worker's activity interceptors: the run's log fields, and OpenTelemetry's (loaded only then) when tracing is on. */
export async function activityInterceptors(tracing: Tracing | undefined): Promise<ActivityInterceptorsFactory[]> {
  if (!tracing) return [runLogFields];
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return [runLogFields, (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })];
}

/**
 * The sink the bundled OpenTelemetry workflow interceptors hand their spans to: the process's span
 * processor when tracing is on, else one that drops them (the interceptors are in every bundle).
 */
export async function workflowSinks(tracing: Tracing | undefined): Promise<InjectedSinks<OpenTelemetrySinks>> {
  if (!tracing) return { exporter: { export: { fn: () => {}, callDuringReplay: false } } };
  const { makeWorkflowExporter } = await import('@temporalio/interceptors-opentelemetry');
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
