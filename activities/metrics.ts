// The worker's own metrics outside workflows, recorded through the SDK runtime's meter (the worker's
// Prometheus endpoint, with the SDK's metrics and runJob's): driver attempts in flight, their errors,
// datasource records.
import type { MetricCounter, MetricMeter, MetricUpDownCounter } from '@temporalio/common';
import { METRIC } from '../core/temporal/contract.ts';

/**
 * A driver failure's type as a label: the ApplicationFailure types Kairos raises (HttpStatus,
 * InvalidJobData, …) and JavaScript error names; anything else, or anything long, is `other`, so
 * error types made from data cannot grow the label without bound.
 */
export function errorTypeLabel(type: string | undefined | null): string {
  if (!type) return 'Error';
  return /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(type) ? type : 'other';
}

/** Driver metrics of one worker process. */
export class DriverMetrics {
  private readonly inFlight: MetricUpDownCounter | undefined;
  private readonly errors: MetricCounter;
  private readonly records: MetricCounter;

  constructor(meter: MetricMeter) {
    // Optional on the SDK's interface; the runtime's meter has it.
    this.inFlight = meter.createUpDownCounter?.(METRIC.runsInFlight, '', 'Driver attempts executing on this worker now');
    this.errors = meter.createCounter(METRIC.driverErrors, '', 'Failed driver attempts, by job type and error type');
    this.records = meter.createCounter(METRIC.datasourceRecords, '', 'Datasource records, by stage (read, written, bad): rate() is records per second');
  }

  /** A driver attempt began; call the returned function when it ends, however it ends (once counts). */
  attemptStarted(jobType: string): () => void {
    this.inFlight?.add(1, { job_type: jobType });
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight?.add(-1, { job_type: jobType });
    };
  }

  /** A driver attempt failed with an error of `type`. */
  driverError(jobType: string, type: string | undefined | null): void {
    this.errors.add(1, { job_type: jobType, error_type: errorTypeLabel(type) });
  }

  /** A datasource batch: `n` records at `stage`. */
  datasourceRecords(stage: 'read' | 'written' | 'bad', n: number): void {
    if (n > 0) this.records.add(n, { stage });
  }
}
