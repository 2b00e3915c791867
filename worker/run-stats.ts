// The worker's side of the hourly run rollup (core/runs/rollup.ts): runJob reports each ended run
// through the `kairosRunStats` workflow sink; this batcher merges the reports per (job, incarnation,
// hour) and upserts them every second and when the worker stops. A report waits at most about a
// second in memory: if the worker process dies in that second, those runs are not counted (README,
// "Charts"). Sinks are not called while a workflow replays, so a run is reported once per worker
// that finished it (a run's last workflow task is completed once).
import type { InjectedSinks } from '@temporalio/worker';
import type { RunStatsEvent, RunStatsSinks } from '../core/temporal/contract.ts';
import { addDelta, deltaKey, deltaOf, type RollupDelta } from '../core/runs/rollup.ts';
import type { RunStatsStore } from '../core/runs/stats-store.ts';

/** How often the batch goes to the state store. */
export const RUN_STATS_FLUSH_MS = 1000;

export class RunStatsBatcher {
  private pending = new Map<string, RollupDelta>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<RunStatsStore, 'add'>,
    private readonly report: (err: unknown, runs: number) => void,
    intervalMs = RUN_STATS_FLUSH_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    // The batch must not keep a stopping process alive: close() flushes it.
    this.timer.unref();
  }

  /** Adds an ended run to the batch. */
  record(e: RunStatsEvent): void {
    const d = deltaOf(e);
    const key = deltaKey(d);
    const prev = this.pending.get(key);
    this.pending.set(key, prev ? addDelta(prev, d) : d);
  }

  /**
   * Writes the batch (one flush at a time). A failed write puts its increments back, to be tried
   * with the next flush: the store only adds, so nothing is counted twice.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.store.add([...batch.values()]);
      } catch (err) {
        for (const [key, d] of batch) {
          const later = this.pending.get(key);
          this.pending.set(key, later ? addDelta(d, later) : d);
        }
        this.report(err, [...batch.values()].reduce((n, d) => n + d.succeeded + d.failed + d.aborted + d.skipped, 0));
      }
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left (the worker's shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The workflow sink runJob calls (worker-side; never during replay). */
  sinks(): InjectedSinks<RunStatsSinks> {
    return { kairosRunStats: { runEnded: { fn: (_info, event) => this.record(event), callDuringReplay: false } } };
  }
}
