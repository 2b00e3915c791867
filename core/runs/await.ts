// Waiting for a run to end, for APIs whose "run now" answers with the outcome (Informer's
// POST /api/jobs/{id}). It reads the run as RunService does (direct reads, never visibility), at an
// interval that grows from 100 ms to 2 s, until the run is no longer running or `signal` aborts.
import { KairosError } from '../errors.ts';
import type { Actor } from '../jobs/service.ts';
import type { RunService, RunView } from './service.ts';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function awaitRun(runs: Pick<RunService, 'get'>, runId: string, actor: Actor, signal?: AbortSignal): Promise<RunView> {
  let delay = 100;
  for (;;) {
    const run = await runs.get(runId, actor);
    if (run.status !== 'running') return run;
    if (signal?.aborted) throw new KairosError('unavailable', `stopped waiting for run '${runId}'`);
    await sleep(delay, signal);
    delay = Math.min(delay * 1.5, 2000);
  }
}
