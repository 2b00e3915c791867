// Waiting for runs through the native API (GET /v1/runs/{runId}), as run and dashboard tests do.
import { api } from './env.ts';
import { waitFor } from './wait-for.ts';

/** The statuses a run ends in. */
export const FINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);

/** The run view once the run has ended (bounded wait). */
export async function finishedRun<T extends { status: string }>(runId: string, timeoutMs = 20_000): Promise<T> {
  return await waitFor(
    async () => {
      const r = await api<T>('GET', `/v1/runs/${runId}`);
      return r.status === 200 && FINAL_RUN_STATUSES.has(r.body.status) ? r.body : undefined;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}
