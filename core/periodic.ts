// Background housekeeping of an API process (audit retention, job-head purges): a task run now and
// then every interval, never two at once per process, stopped cleanly at shutdown.

/** A running periodic task. */
export interface Periodic {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now and then every `intervalMs` until stopped. A failure is reported and the task is
 * tried again at the next tick. The timer does not keep the process alive. Several processes may
 * run the same task at once: the tasks Kairos runs this way are idempotent deletes.
 */
export function runPeriodically(task: () => Promise<unknown>, intervalMs: number, report: (err: unknown) => void): Periodic {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running.then(() => task().catch(report));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
