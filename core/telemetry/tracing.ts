// OpenTelemetry tracing of one process (API or worker), from core/config.ts's `tracing`. When it is
// off nothing is registered, and the SDK and exporter are not even loaded (they are imported here
// only when on: about 20 MB and a second of start-up otherwise); Kairos's own spans are skipped.
import { SpanKind, SpanStatusCode, context, propagation, trace, type Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config.ts';

/** What a process that traces holds: the worker hands `spanProcessor` and `resource` to the workflow span sink. */
export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes the spans not yet sent and stops exporting. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Registers the global tracer provider, W3C trace-context propagation and async context for this
 * process, exporting by OTLP over HTTP; undefined (and nothing registered) when tracing is off.
 * Call once, before the process makes its first span.
 */
export async function startTracing(cfg: TracingConfig, defaultServiceName: string): Promise<Tracing | undefined> {
  if (!cfg.enabled) return undefined;
  if (active) return active;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { Resource, detectResourcesSync, envDetectorSync }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  const exporter =
    cfg.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: cfg.url })
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url: cfg.url });
  // OTEL_RESOURCE_ATTRIBUTES adds to the SDK's attributes; the service name is the process's unless OTEL_SERVICE_NAME.
  const resource = Resource.default()
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }))
    .merge(new Resource({ 'service.name': cfg.serviceName ?? defaultServiceName }));
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  active = { spanProcessor, resource, shutdown: () => provider.shutdown() };
  return active;
}

/** This process's tracing if startTracing turned it on (the Temporal interceptors are added only then). */
export function currentTracing(): Tracing | undefined {
  return active;
}

/**
 * The ids of the span active here, as log fields (`trace_id`, `span_id`: the names the OpenTelemetry
 * log data model and Grafana's trace-to-logs links use); empty when tracing is off or no span is active.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!active) return {};
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** The one tracer Kairos's own spans come from. */
export const tracer = () => trace.getTracer('kairos');

/** The trace context a carrier (incoming HTTP headers) holds, on top of the current one. */
export function extractContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), carrier);
}

/**
 * Runs `fn` inside a new client span and hands it the headers that carry the span to the callee
 * (`traceparent`, and `tracestate` when there is one); `describe` adds attributes from the result.
 * With tracing off: no span, no headers.
 */
export async function withClientSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  fn: (headers: Record<string, string>) => Promise<T>,
  describe?: (result: T) => Record<string, string | number>,
): Promise<T> {
  if (!active) return await fn({});
  return await tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    try {
      const result = await fn(headers);
      if (describe) span.setAttributes(describe(result));
      return result;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
