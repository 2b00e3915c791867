// A standby worker: started by `npm start` beside the active worker, it loads its code, opens the
// state store and a Temporal client, and then waits — without polling the task queue or binding the
// metrics port — until the start command tells it to take over from a worker that died. Taking over
// costs the runtime, one connection and Worker.create (a few hundred ms), not a whole start (module
// loading alone is ~1.5 s), so fire times in the meantime are not lost to a dead worker.
//
// The protocol is Node's IPC channel (the start command spawns the standby with one):
//   standby → start command: { kairos: 'standby-ready' }
//   start command → standby: { kairos: 'take-over' }
//   standby → start command: { kairos: 'polling' }   (then the channel closes)
// Signals are not used: the Temporal SDK's runtime takes SIGINT, SIGTERM, SIGQUIT and SIGUSR2, and
// SIGUSR1 starts Node's inspector.

/** The message the standby sends once it is ready to take over. */
export const STANDBY_READY = { kairos: 'standby-ready' } as const;
/** The message that makes a ready standby take over. */
export const TAKE_OVER = { kairos: 'take-over' } as const;

/** The message a standby that took over sends once it polls (the start command then starts the next standby). */
export const POLLING = { kairos: 'polling' } as const;

/** The variable that makes a worker start as a standby (set by scripts/stack.ts, with an IPC channel). */
export const STANDBY_ENV = 'KAIROS_WORKER_STANDBY';

/** Whether `msg` (an IPC message) is `kind`. */
export function isMessage(msg: unknown, kind: { kairos: string }): boolean {
  return typeof msg === 'object' && msg !== null && (msg as { kairos?: unknown }).kairos === kind.kairos;
}

/**
 * This process's standby role, when it has one: `ready()` tells the start command, `takeOver`
 * resolves when it says so, and `polling()` reports the take-over done (and closes the channel). While standing by, a stop (SIGTERM/SIGINT) or the start
 * command's end (the channel closes) ends the process at once: it holds no work.
 */
export function standbyRole(env: NodeJS.ProcessEnv = process.env): { ready(): void; takeOver: Promise<void>; polling(): void } | undefined {
  if (env[STANDBY_ENV] !== '1' || typeof process.send !== 'function') return undefined;
  let standing = true;
  const leave = () => {
    if (standing) process.exit(0);
  };
  process.once('SIGTERM', leave);
  process.once('SIGINT', leave);
  process.once('disconnect', leave);
  // Listened for from the start: a take-over sent early is not lost.
  const takeOver = new Promise<void>((resolve) => {
    const onMessage = (msg: unknown) => {
      if (!isMessage(msg, TAKE_OVER)) return;
      standing = false;
      process.off('message', onMessage);
      process.off('SIGTERM', leave);
      process.off('SIGINT', leave);
      process.off('disconnect', leave);
      resolve();
    };
    process.on('message', onMessage);
  });
  return {
    ready: () => process.send?.(STANDBY_READY),
    takeOver,
    // The channel is no longer needed: an active worker ends on a signal, as one started alone does.
    polling: () => process.send?.(POLLING, () => process.disconnect?.()),
  };
}
