// Runs through the native API in integration and dashboard tests: start one now, wait (bounded) for it to end.
import assert from 'node:assert/strict';
import { api } from './env.ts';
import { waitFor } from './wait-for.ts';

/** Statuses a run ends in. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);

/** Starts a run of the job now (as `auth`, default the admin); its run id. */
export async function runNow(jobId: string, auth?: string): Promise<string> {
  const res = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`, { auth });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.runId;
}

/** The run as GET /v1/runs/{id} answers it once it has ended (read as the admin). */
export async function finishedRun<T extends { status: string }>(runId: string, timeoutMs = 30_000): Promise<T> {
  return await waitFor(
    async () => {
      const r = await api<T>('GET', `/v1/runs/${runId}`);
      return r.status === 200 && FINAL_STATUSES.has(r.body.status) ? r.body : undefined;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}
