// What `npm start` does when one of its processes dies without being asked to (a crash, an OOM kill,
// `kill -9`): it restarts that one process after a back-off and leaves the rest serving. The policy
// (restartDelayMs, RestartTracker) is pure and unit-tested; Supervisor applies it to the processes
// scripts/start.ts hands it and reports each exit and restart (the terminal and `<dataDir>/supervisor.log`).

/** How restarts of one process back off. */
export interface BackoffPolicy {
  /** Delay before the first restart after a healthy run. */
  initialMs: number;
  /** Each further consecutive restart waits this many times longer… */
  factor: number;
  /** …up to this. */
  maxMs: number;
  /** A process that stayed up this long was healthy: its next crash starts the back-off over. */
  resetAfterMs: number;
}

/**
 * 1 s, 2 s, 4 s … capped at 30 s; reset after a minute up. A worker killed once is back within about
 * a second (its Temporal tasks wait for it meanwhile); one that crashes at every start costs a
 * restart every 30 s, not a busy loop.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 30_000, resetAfterMs: 60_000 };

/** The delay before the `consecutive`-th restart in a row (1-based) of a process that keeps crashing. */
export function restartDelayMs(policy: BackoffPolicy, consecutive: number): number {
  const n = Math.max(1, Math.floor(consecutive));
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** (n - 1));
}

/** One process's restart history: how long to wait after its latest exit, and how many restarts so far. */
export class RestartTracker {
  private consecutive = 0;
  private total = 0;
  private startedAt: number;

  /** `startedAt`: when the first incarnation was started. */
  constructor(
    private readonly policy: BackoffPolicy,
    startedAt: number,
  ) {
    this.startedAt = startedAt;
  }

  /**
   * The process exited at `now`: the delay before its restart, that restart's number (1 = the first
   * ever) and how many restarts in a row this makes (1 = the first since a healthy run).
   */
  exited(now: number): { delayMs: number; restart: number; consecutive: number } {
    if (now - this.startedAt >= this.policy.resetAfterMs) this.consecutive = 0;
    this.consecutive += 1;
    this.total += 1;
    return { delayMs: restartDelayMs(this.policy, this.consecutive), restart: this.total, consecutive: this.consecutive };
  }

  /** A new incarnation started at `now` (its up time decides whether the back-off resets). */
  started(now: number): void {
    this.startedAt = now;
  }
}

/** How a process ended, as Node reports it. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ?? `code ${code}`;
}

/** How a Supervisor reports and backs off. */
export interface SupervisorOptions {
  policy?: BackoffPolicy;
  /** Each exit and restart, as a sentence (start.ts prints it and appends it to its log). */
  report: (msg: string) => void;
  now?: () => number;
}

/** A process under supervision. */
export interface SupervisedProcess {
  /** As it is named in reports ("worker", "API", "Temporal dev server"). */
  name: string;
  /**
   * Starts a new incarnation and resolves with its pid once it is started (a failure counts as a
   * crash of that incarnation). The caller must call the exit handler that `watch` returned when it exits.
   */
  restart: () => Promise<number | undefined>;
  /**
   * Whether a replacement is ready to take over at once (a standby worker): then the first restart
   * after a healthy run happens without a delay. Restarts in a row back off as always, so a process
   * that dies at every start never turns into a busy loop.
   */
  replacementReady?: () => boolean;
}

/** Restarts crashed processes with back-off until stop(). */
export class Supervisor {
  private readonly policy: BackoffPolicy;
  private readonly now: () => number;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = opts.policy ?? DEFAULT_BACKOFF;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Supervises `proc` (whose current incarnation is running now); returns the handler to call with
   * every incarnation's exit code and signal.
   */
  watch(proc: SupervisedProcess): (code: number | null, signal: NodeJS.Signals | null) => void {
    const tracker = new RestartTracker(this.policy, this.now());
    const onExit = (code: number | null, signal: NodeJS.Signals | null, how = describeExit(code, signal)): void => {
      if (this.stopped) return;
      const { delayMs: backoffMs, restart, consecutive } = tracker.exited(this.now());
      const takeOverNow = consecutive === 1 && (proc.replacementReady?.() ?? false);
      const delayMs = takeOverNow ? 0 : backoffMs;
      this.opts.report(`${proc.name} exited (${how}); ${takeOverNow ? 'a standby takes over now' : `restarting in ${formatSeconds(delayMs)}`} (restart ${restart})`);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        const attempt = (async () => {
          try {
            const pid = await proc.restart();
            tracker.started(this.now());
            this.opts.report(`${proc.name} restarted${pid === undefined ? '' : ` (pid ${pid})`}`);
          } catch (err) {
            // A restart that fails is one more crash: it backs off further.
            if (!this.stopped) onExit(null, null, `failed to restart: ${(err as Error).message.split('\n')[0]}`);
          }
        })();
        this.inFlight.add(attempt);
        void attempt.finally(() => this.inFlight.delete(attempt));
      }, delayMs);
      this.timers.add(timer);
    };
    return (code, signal) => onExit(code, signal);
  }

  /** No more restarts: cancels pending ones and waits for one under way (so that stopping stops it too). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

/** "1 s", "2.5 s", below a second "250 ms". */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
