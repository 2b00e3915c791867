// runJob's alert step (core/alerts), deterministic: whether rules watch the run and with which
// `longerThan` thresholds (a local activity reads the rules once, at the start), one workflow timer
// per threshold racing the driver, and the run's outcome reported at the end (only when rules watch
// the job: a rule created while a run is in flight starts with the next run). A timer that fires while the driver still runs reports the long
// run at once; the end of the run cancels the timers that have not fired. Reporting never changes a
// run's outcome: an alert step that cannot be done is logged and the run ends as it would have.
import { CancellationScope, isCancellation, log, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { SupportActivities } from '../activities/registry.ts';
import type { RunAlertInput } from '../core/alerts/events.ts';
import type { RunJobInput } from '../core/runs/types.ts';
import { ALERT_THRESHOLDS_ACTIVITY, RUN_ALERTS_ACTIVITY, SUPPORT_ATTEMPT_MS } from '../core/temporal/contract.ts';

type Signal = RunAlertInput['signal'];

/** One run's alert step (see the top of this file): runJob calls watch() before the driver, and finished() or stop() when the run ends. */
export class RunAlerts {
  private readonly timers = new CancellationScope();
  private readonly pending: Promise<void>[] = [];
  /** Whether rules watch the job; true until known otherwise (rules that cannot be read are assumed). */
  private watched = true;
  private readonly report = proxyActivities<SupportActivities>({ startToCloseTimeout: SUPPORT_ATTEMPT_MS, retry: { maximumAttempts: 5, initialInterval: 1000 } })[RUN_ALERTS_ACTIVITY];

  constructor(
    private readonly input: RunJobInput,
    private readonly runId: string,
    /** The run's start (workflow time, ms): thresholds count from it. */
    private readonly startedMs: number,
    private readonly scheduledAt: Date | undefined,
  ) {}

  /** Sets a timer per `longerThan` threshold of the job's rules (none when they cannot be read). */
  async watch(): Promise<void> {
    const thresholds = proxyLocalActivities<SupportActivities>({ startToCloseTimeout: 10_000, retry: { maximumAttempts: 3, initialInterval: 1000 } })[ALERT_THRESHOLDS_ACTIVITY];
    let list: number[] = [];
    try {
      const w = await thresholds({ jobId: this.input.job.id });
      this.watched = w.watched;
      list = w.thresholds;
    } catch (err) {
      // A stop during this step: runJob's driver call sees the cancellation and ends the run as
      // stopped (its `aborted` dependents started), as it would have without this step.
      if (isCancellation(err)) return;
      log.warn('alert rules not read; no longerThan alerts for this run', { error: String(err) });
    }
    for (const ms of list) {
      const wait = Math.max(1, ms - (Date.now() - this.startedMs));
      this.pending.push(
        this.timers.run(() => sleep(wait)).then(
          () => this.send({ kind: 'running', thresholdMs: ms }),
          (err: unknown) => {
            if (!isCancellation(err)) throw err;
          },
        ),
      );
    }
  }

  /** The run finished (succeeded or failed): stops the timers and reports the outcome. */
  async finished(signal: Extract<Signal, { kind: 'finished' }>): Promise<void> {
    await this.stop();
    if (this.watched) await this.send(signal);
  }

  /** The run ends without an outcome rules care about (stopped): only stops the timers. */
  async stop(): Promise<void> {
    this.timers.cancel();
    await Promise.all(this.pending);
  }

  private async send(signal: Signal): Promise<void> {
    const input: RunAlertInput = {
      job: this.input.job,
      runId: this.runId,
      trigger: this.input.triggeredBy,
      ...(this.scheduledAt ? { scheduledAt: this.scheduledAt.toISOString() } : {}),
      startedAt: new Date(this.startedMs).toISOString(),
      signal,
    };
    try {
      // Not cancelled with the run: a stop after a long-run alert began still lets it be recorded.
      await CancellationScope.nonCancellable(() => this.report(input));
    } catch (err) {
      log.warn('alert event not reported', { event: signal.kind, error: String(err) });
    }
  }
}
