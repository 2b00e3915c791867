// The worker's Prometheus endpoint: the Temporal SDK runtime serves it (its own metrics and Kairos's,
// workflows/metrics.ts and activities/metrics.ts, recorded through the same meter) on KAIROS_WORKER_METRICS_HOST:KAIROS_WORKER_METRICS_PORT.
import type { MetricsExporterConfig } from '@temporalio/worker';
import type { MetricsBind } from '../core/config.ts';
import { METRIC_BUCKETS } from '../core/temporal/contract.ts';

/** `host:port` as the exporter binds it (an IPv6 host in brackets). */
export function bindAddress(bind: MetricsBind): string {
  const host = bind.host.includes(':') && !bind.host.startsWith('[') ? `[${bind.host}]` : bind.host;
  return `${host}:${bind.port}`;
}

/**
 * The runtime's metrics exporter for `bind` (undefined: no endpoint). Counters end in `_total`, as
 * Prometheus names them and Temporal's SDK dashboards expect; durations the SDK records are in seconds.
 */
export function metricsExporter(bind: MetricsBind | undefined): MetricsExporterConfig | undefined {
  if (!bind) return undefined;
  return {
    prometheus: {
      bindAddress: bindAddress(bind),
      countersTotalSuffix: true,
      useSecondsForDurations: true,
      histogramBucketOverrides: METRIC_BUCKETS,
    },
  };
}
