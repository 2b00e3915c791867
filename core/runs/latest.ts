// A job's latest run, its runs newest first, and its runs in flight. Visibility lists a job's running
// runs first, then the closed ones by close time, so "latest" (by start) is the newest of a small
// sample, not the first listed; and visibility lags, so a run it lists as running is confirmed by a
// direct read. Every API that shows a job's last or running runs asks here.
import { KairosError } from '../errors.ts';
import type { Actor, JobView } from '../jobs/service.ts';
import type { OverviewRun, RunOverview } from './overview.ts';
import type { RunService, RunSummary } from './service.ts';

/** Runs looked at to find a job's latest: enough to hold every run in flight beside the last closed. */
export const LATEST_SAMPLE = 10;

/** The runs, newest start first (a new array). */
export function newestFirst<R extends Pick<RunSummary, 'startedAt'>>(runs: readonly R[]): R[] {
  return [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** The job's latest run (by start), undefined when it has none; `not_found` for a job the actor may not see. */
export async function latestRun(runs: Pick<RunService, 'list'>, jobId: string, actor: Actor): Promise<RunSummary | undefined> {
  const page = await runs.list(jobId, { pageSize: LATEST_SAMPLE }, actor);
  return newestFirst(page.items)[0];
}

/** The job's latest run (by start) as the run overview lists runs across jobs (CluedIn's view of runs). */
export async function latestOverviewRun(overview: Pick<RunOverview, 'list'>, jobId: string, actor: Actor): Promise<OverviewRun | undefined> {
  return newestFirst(await overview.list({ jobIds: [jobId] }, 0, LATEST_SAMPLE, actor))[0];
}

/**
 * The job's runs in flight: the schedule's own (read directly from the schedule) and manual ones (from
 * visibility, each confirmed by a direct read, so a run that just ended is never taken for a running one).
 */
export async function runsInFlight(runs: Pick<RunService, 'list' | 'get'>, v: JobView, actor: Actor): Promise<Set<string>> {
  const running = new Set(v.state.running);
  const page = await runs.list(v.job.id, { pageSize: 100, statuses: ['running'] }, actor);
  for (const run of page.items) {
    if (running.has(run.runId)) continue;
    const now = await runs.get(run.runId, actor).catch((err: unknown) => (err instanceof KairosError && err.kind === 'not_found' ? undefined : Promise.reject(err)));
    if (now?.status === 'running') running.add(run.runId);
  }
  return running;
}
