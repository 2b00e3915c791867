// Run queries and run control. Everything is answered by Temporal, nothing is cached: listings and
// stats from visibility (list, count … GROUP BY ExecutionStatus), one run from describe + its
// history (close event = the run record; started event = input; activity events = attempts), stop =
// cancel, abort = terminate. Who may see a job's runs, stop or abort them is the access policy's
// (core/access): owners, admins, and those a job is shared with (read: its history; run: also stop).
import type { temporal } from '@temporalio/proto';
import { enums } from '../temporal/proto.ts';
import { KairosError, notFound } from '../errors.ts';
import type { Actor } from '../jobs/service.ts';
import type { JobStore, StoredJob } from '../jobs/store.ts';
import { authorize, hasFullAccess, type Action } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import { RUN_JOB_WORKFLOW } from '../temporal/contract.ts';
import { cursorOf, tokenOfCursor, type TemporalGateway } from '../temporal/gateway.ts';
import { decodeSearchAttributes, timestampToDate } from '../temporal/payloads.ts';
import { SA, SCHEDULED_START_TIME } from '../search-attributes.ts';
import { countsFromGroups, matchesNotRun, matchesWorkflows, quote, runsQuery, statusFromVisibility, successRate, withNotRun, type StatusCounts } from './query.ts';
import type { NotHappenedRun, NotRunStatus, RunSkipStore, SkipFilter } from './skip-store.ts';
import type { RunAttemptInfo, RunCause, RunError, RunJobInput, RunJobResult, RunProgress, RunSkip, RunStatus } from './types.ts';
import { buildSeries, deltaOf, windowBuckets, type Series, type SeriesWindow } from './rollup.ts';
import type { RollupScope, RunStatsStore } from './stats-store.ts';

const WorkflowStatus = enums.WorkflowExecutionStatus;
const EventType = enums.EventType;
const PendingState = enums.PendingActivityState;
type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

export interface RunSummary {
  runId: string;
  jobId: string;
  status: RunStatus;
  /** schedule | manual | dependency | backfill */
  trigger: string;
  /** When the run was due: the schedule's action time for scheduled runs, else the request time. */
  scheduledAt: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** startedAt − scheduledAt: how late a scheduled run started. */
  startDelayMs: number;
  /**
   * Set on `skipped` and `missed` runs: why the fire time did not run. A fire time with no run at
   * all (a state-store row) has startedAt = scheduledAt, endedAt and durationMs null.
   */
  skip?: RunSkip;
}

export interface RunView extends RunSummary {
  attempts: number;
  error: RunError | null;
  progress: RunProgress | null;
  output: unknown;
  cause: RunCause | null;
  dependents: string[];
  /** The run-time input a "run now" was given (null: none), so the run can be started again with it. */
  input: unknown;
  /** Who asked for a "run now" (a user's name); null for other triggers and runs that did not record it. */
  requestedBy: string | null;
  /** A running run's driver: attempt, last failure, next attempt (null when not running or between activities). */
  currentAttempt: RunAttemptInfo | null;
}

export interface RunListQuery {
  statuses?: RunStatus[];
  /**
   * Also the fire times that did not run (state-store rows; ./recorder.ts), in time order among the
   * runs. The native API asks for them; a dialect whose vendor has no status for them does not.
   */
  withNotRun?: boolean;
  from?: Date;
  to?: Date;
  pageSize: number;
  cursor?: string;
}

export interface RunPage {
  items: RunSummary[];
  nextCursor: string | null;
}

export interface RunStats extends StatusCounts {
  successRate: number | null;
  /** Mean duration of the most recent finished runs (up to `sampleSize`). */
  meanDurationMs: number | null;
  sampleSize: number;
  lastRun: RunSummary | null;
  nextRunAt: string | null;
}

const MEAN_SAMPLE = 100;
const ATTRS = { jobId: SA.jobId.name, owner: SA.owner.name, incarnation: SA.incarnation.name };
const runSubject = (runId: string) => ({ what: 'run', id: runId });
/** A run id Temporal refuses to look up (too long, malformed) names no run: not found, as an unknown one. */
const isNoSuchRun = (err: unknown) => err instanceof KairosError && (err.kind === 'not_found' || err.kind === 'validation');

export class RunService {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly store: JobStore,
    /** Shares and teams for the access policy; without it, only owners and admins see a job's runs. */
    private readonly access?: AccessService,
    /** Fire times that did not run (./skip-store.ts); without it, only Temporal's runs. */
    private readonly skips?: RunSkipStore,
    /** The hourly run rollup (./stats-store.ts): the series read it, aborts add to it; without it, series are empty. */
    private readonly rollup?: RunStatsStore,
  ) {}

  /** The policy's answer: not_found if the actor may not read the job, forbidden if it may read but not `action`. */
  private async allow(job: StoredJob['job'], actor: Actor, action: Action): Promise<void> {
    if (this.access) await this.access.authorize(actor, action, job);
    else authorize(actor, action, job, undefined);
  }

  /** The job exists and the actor may read it, history included (404 otherwise, as for jobs). */
  private async accessJob(jobId: string, actor: Actor) {
    // The job's head (no scheduler query; JobStore.read), as job reads do.
    const read = await this.store.read(jobId);
    await this.allow(read.job, actor, 'read');
    return read;
  }

  /**
   * A job as cross-job run views scope it: its current incarnation (null: a legacy job) and whether
   * the actor reads it through a share rather than as owner or admin; undefined when there is no such job.
   */
  async jobScope(jobId: string, actor?: Actor): Promise<{ incarnation: string | null; shared: boolean } | undefined> {
    let job;
    try {
      job = (await this.store.read(jobId)).job;
    } catch (err) {
      if (err instanceof KairosError && err.kind === 'not_found') return undefined;
      throw err;
    }
    const shared = actor !== undefined && !hasFullAccess(actor, job) && ((await this.access?.may(actor, 'read', job)) ?? false);
    return { incarnation: job.incarnation ?? null, shared };
  }

  async list(jobId: string, q: RunListQuery, actor: Actor): Promise<RunPage> {
    const stored = await this.accessJob(jobId, actor);
    // Only this creation of the job id: a deleted job's runs never show under a re-created one.
    const query = runsQuery({ jobId, incarnation: stored.job.incarnation ?? null, statuses: q.statuses, from: q.from, to: q.to }, RUN_JOB_WORKFLOW, ATTRS);
    if (!q.withNotRun || !this.skips || !matchesNotRun(q.statuses)) return await this.page(query, q.pageSize, q.cursor);
    const rows: SkipFilter = { jobs: [{ id: jobId, incarnation: stored.job.incarnation ?? null }], statuses: notRunStatuses(q.statuses), from: q.from, to: q.to };
    return await this.mergedPage(query, matchesWorkflows(q.statuses), rows, q.pageSize, q.cursor);
  }

  /**
   * A page of Temporal's runs and the state store's rows merged newest first (runs by visibility's
   * order: running, then by close time; rows by scheduled time). The cursor says where each source
   * stands: the Temporal page token a page was read with and how many of its runs were shown (the
   * rest come first next time), and the last row shown. Rows older than a page's oldest run wait for
   * the next page, so the order holds across pages and `limit` is exact.
   */
  private async mergedPage(query: string, wantRuns: boolean, rowFilter: SkipFilter, pageSize: number, cursor?: string): Promise<RunPage> {
    const skips = this.skips;
    if (!skips) return { items: [], nextCursor: null };
    const cur = cursor ? decodeMerged(cursor) : { k: 0, done: !wantRuns };
    let runs: RunSummary[] = [];
    let next: string | null = null;
    if (!cur.done) {
      const res = await this.page(query, pageSize, cur.t);
      runs = res.items.slice(cur.k);
      next = res.nextCursor;
    }
    const moreRuns = next !== null;
    const oldest = runs.at(-1);
    // While Temporal has more, rows older than this page's oldest run belong to a later page.
    const rows =
      moreRuns && !oldest
        ? []
        : await skips.list({ ...rowFilter, before: cur.s, ...(moreRuns && oldest ? { notBefore: sortKey(oldest) } : {}) }, pageSize + 1);
    const items: RunSummary[] = [];
    let ri = 0;
    let si = 0;
    while (items.length < pageSize && (ri < runs.length || si < rows.length)) {
      const r = runs[ri];
      const row = rows[si];
      if (r && (!row || sortKey(r) >= row.scheduledAt)) {
        items.push(r);
        ri++;
      } else if (row) {
        items.push(notRunSummary(row));
        si++;
      }
    }
    const lastRow = rows[si - 1];
    const allRuns = ri >= runs.length;
    const state: MergedCursor = {
      ...(allRuns ? (next ? { t: next } : {}) : cur.t ? { t: cur.t } : {}),
      k: allRuns ? 0 : cur.k + ri,
      done: cur.done || (allRuns && !next),
      ...(lastRow ? { s: { at: lastRow.scheduledAt, id: lastRow.id } } : cur.s ? { s: cur.s } : {}),
    };
    const more = !state.done || rows.length > si;
    return { items, nextCursor: more ? encodeMerged(state) : null };
  }

  /** Rows of fire times that did not run matching `f` (newest first; none without a store). */
  async notRunRows(f: SkipFilter, limit: number): Promise<NotHappenedRun[]> {
    return this.skips ? await this.skips.list(f, limit) : [];
  }

  /**
   * Counts by status of the runs matching a visibility query, `skipped` runs (KairosOutcome) taken
   * out of succeeded, plus the state store's rows matching `rows` (none when undefined).
   */
  async countWithNotRun(query: string, rows: SkipFilter | undefined): Promise<StatusCounts> {
    const [counts, skippedRuns, notRun] = await Promise.all([
      this.countByStatus(query),
      this.temporal.workflows.count(`${query} AND ${SA.outcome.name} = ${quote('skipped')}`),
      rows && this.skips ? this.skips.count(rows) : Promise.resolve({ skipped: 0, missed: 0 }),
    ]);
    return withNotRun(counts, skippedRuns, notRun);
  }

  private async page(query: string, pageSize: number, cursor?: string): Promise<RunPage> {
    let res;
    try {
      res = await this.temporal.workflows.listPage({ query, pageSize, nextPageToken: tokenOfCursor(cursor) });
    } catch (err) {
      // The query is Kairos's own: a refused request with a cursor is the cursor's fault.
      if (cursor && err instanceof KairosError && err.kind === 'validation') {
        throw new KairosError('validation', 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this listing' }]);
      }
      throw err;
    }
    const items = res.items.map((e) => summaryOf(e));
    return { items, nextCursor: cursorOf(res.nextPageToken) };
  }

  private async describe(runId: string): Promise<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse> {
    const res = await this.temporal.workflows.describe(runId, undefined, runSubject(runId)).catch((err: unknown) => {
      throw isNoSuchRun(err) ? notFound('run', runId) : err;
    });
    if (res.workflowExecutionInfo?.type?.name !== RUN_JOB_WORKFLOW) throw notFound('run', runId);
    return res;
  }

  /**
   * A user may see (and stop) a run of a job they owned when the run started; otherwise the run must
   * belong to the current creation (incarnation) of its job — a run of a deleted job with the same id
   * is nobody's but its owner's — and the policy decides on that job: `read` to see it, `stop` to stop
   * or abort it (not_found when the actor may not read the job, forbidden when it may only read).
   */
  private async assertCanSee(info: RawExecution, runId: string, actor: Actor, action: 'read' | 'stop' = 'read'): Promise<void> {
    if (actor.role === 'admin') return;
    const sa = decodeSearchAttributes(info.searchAttributes?.indexedFields);
    if (sa.get(SA.owner) === actor.id) return;
    const jobId = sa.get(SA.jobId);
    const current = jobId ? await this.store.read(jobId).then((s) => s.job, () => undefined) : undefined;
    if (!current || (current.incarnation ?? null) !== (sa.get(SA.incarnation) ?? null)) throw notFound('run', runId);
    try {
      await this.allow(current, actor, action);
    } catch (err) {
      throw err instanceof KairosError && err.kind === 'not_found' ? notFound('run', runId) : err;
    }
  }

  /** A row of a fire time that did not run: seen by whoever may read its job's history (as a run: assertCanSee). */
  private async assertCanSeeRow(row: NotHappenedRun, actor: Actor): Promise<void> {
    if (actor.role === 'admin' || row.ownerId === actor.id) return;
    const current = await this.store.read(row.jobId).then((s) => s.job, () => undefined);
    if (!current || (current.incarnation ?? '') !== row.incarnation) throw notFound('run', row.id);
    try {
      await this.allow(current, actor, 'read');
    } catch (err) {
      throw err instanceof KairosError && err.kind === 'not_found' ? notFound('run', row.id) : err;
    }
  }

  async get(runId: string, actor: Actor): Promise<RunView> {
    const row = await this.skips?.get(runId);
    if (row) {
      await this.assertCanSeeRow(row, actor);
      return { ...notRunSummary(row), ...EMPTY_DETAIL };
    }
    const desc = await this.describe(runId);
    const info = desc.workflowExecutionInfo ?? {};
    await this.assertCanSee(info, runId, actor);
    const summary = summaryOf(info);
    const view: RunView = { ...summary, ...EMPTY_DETAIL };
    const decode = <T>(payloads: temporal.api.common.v1.IPayload[] | null | undefined) => this.temporal.decode<T>(0, payloads);

    // The run's own history: input (cause), the driver activity's attempts, and the close event.
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    for await (const ev of this.temporal.workflows.history(runId, info.execution?.runId ?? undefined, runSubject(runId))) events.push(ev);

    let jobType: string | undefined;
    const activityTypes = new Map<string, string>();
    for (const ev of events) {
      const id = String(ev.eventId ?? '');
      if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        const input = await decode<RunJobInput>(ev.workflowExecutionStartedEventAttributes?.input?.payloads).catch(() => undefined);
        jobType = input?.job.type;
        view.cause = input?.cause ?? null;
        view.input = input?.input ?? null;
        view.requestedBy = typeof input?.requestedBy === 'string' ? input.requestedBy : null;
      } else if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        activityTypes.set(id, ev.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
      } else if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const a = ev.activityTaskStartedEventAttributes;
        if (activityTypes.get(String(a?.scheduledEventId ?? '')) === jobType) view.attempts = Math.max(view.attempts, a?.attempt ?? 0);
      } else if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED) {
        // A stopped driver may report where it stopped as its cancellation details (datasource does).
        const a = ev.activityTaskCanceledEventAttributes;
        const p = a?.details?.payloads;
        if (p?.length && activityTypes.get(String(a?.scheduledEventId ?? '')) === jobType) {
          view.progress = (await decode<RunProgress>(p).catch(() => undefined)) ?? view.progress;
        }
      } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) {
        const rec = await decode<RunJobResult>(ev.workflowExecutionCompletedEventAttributes?.result?.payloads);
        applyRecord(view, rec);
      } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED) {
        const failure = ev.workflowExecutionFailedEventAttributes?.failure;
        const details = failure?.applicationFailureInfo?.details?.payloads;
        const rec = details?.length ? await decode<RunJobResult>(details).catch(() => undefined) : undefined;
        if (rec && typeof rec === 'object' && 'outcome' in rec) applyRecord(view, rec);
        view.error ??= { type: failure?.applicationFailureInfo?.type ?? 'Error', message: failure?.message ?? 'failed' };
      } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED) {
        view.error = { type: 'Cancelled', message: 'the run was stopped' };
      } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED) {
        view.error = { type: 'Terminated', message: ev.workflowExecutionTerminatedEventAttributes?.reason || 'the run was aborted' };
      } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT) {
        view.error = { type: 'Timeout', message: 'the run timed out' };
      }
    }

    // In flight: the driver's pending activity says which attempt, the last attempt's error, and progress.
    for (const pa of desc.pendingActivities ?? []) {
      if (pa.activityType?.name !== jobType) continue;
      view.attempts = Math.max(view.attempts, pa.attempt ?? 1);
      const p = pa.heartbeatDetails?.payloads;
      if (p?.length) view.progress = (await decode<RunProgress>(p).catch(() => undefined)) ?? view.progress;
      const lastFailure = pa.lastFailure?.message ? { type: pa.lastFailure.applicationFailureInfo?.type ?? 'Error', message: pa.lastFailure.message } : null;
      if (lastFailure && summary.status === 'running') view.error = lastFailure;
      if (summary.status === 'running') view.currentAttempt = attemptInfo(pa, lastFailure);
    }
    return view;
  }

  /** Stop: cancel the run; the driver sees it through its heartbeat and aborts its work. */
  async stop(runId: string, actor: Actor): Promise<RunSummary> {
    const desc = await this.describe(runId);
    const info = desc.workflowExecutionInfo ?? {};
    await this.assertCanSee(info, runId, actor, 'stop');
    assertRunning(info, runId);
    await this.temporal.workflows.cancel(runId, info.execution?.runId ?? undefined, runSubject(runId));
    return summaryOf(info);
  }

  /** Abort: terminate the run at once (no workflow code runs; the driver's activity is abandoned). */
  async abort(runId: string, actor: Actor, reason?: string): Promise<RunView> {
    const desc = await this.describe(runId);
    const info = desc.workflowExecutionInfo ?? {};
    await this.assertCanSee(info, runId, actor, 'stop');
    assertRunning(info, runId);
    await this.temporal.workflows.terminate(runId, info.execution?.runId ?? undefined, reason ?? `aborted by ${actor.id}`, runSubject(runId));
    // A terminated run executes no more code, so the run cannot start its own 'aborted' dependents:
    // the abort does it, with the same idempotent ids the workflow would use.
    const view = await this.get(runId, actor);
    // …nor report itself to the hourly rollup: the abort does that too (a run terminated by other
    // means, e.g. Temporal's UI, is not counted: README, "Charts").
    await this.countAborted(info, view);
    await this.store.startDependents(
      { jobId: view.jobId, workflowId: runId, outcome: 'aborted', depth: (view.cause?.depth ?? 0) + 1 },
      new Date(),
    );
    return view;
  }

  /** Adds an aborted run to the hourly rollup; a failure to count is no failure of the abort. */
  private async countAborted(info: RawExecution, view: RunView): Promise<void> {
    if (!this.rollup) return;
    const sa = decodeSearchAttributes(info.searchAttributes?.indexedFields);
    const ended = view.endedAt ? Date.parse(view.endedAt) : Date.now();
    // Lateness is the started run's, as runJob reports it: scheduled runs only, backfills excluded.
    const lateness = view.trigger === 'schedule' ? Math.max(0, view.startDelayMs) : null;
    await this.rollup
      .add([
        deltaOf({ jobId: view.jobId, incarnation: sa.get(SA.incarnation) ?? '', ownerId: sa.get(SA.owner) ?? '', outcome: 'aborted', endedAtMs: ended, durationMs: view.durationMs, latenessMs: lateness }),
      ])
      .catch(() => undefined);
  }

  /**
   * A job's run series over `window` (charts): the hourly rollup and the fire times that did not
   * run, of the job's current creation; not_found when the actor may not read the job.
   */
  async jobSeries(jobId: string, window: SeriesWindow, actor: Actor, now = Date.now()): Promise<Series> {
    const stored = await this.accessJob(jobId, actor);
    const incarnation = stored.job.incarnation ?? null;
    return await this.series(window, now, { jobs: [{ id: jobId, incarnation: incarnation ?? '' }] }, { jobs: [{ id: jobId, incarnation }] });
  }

  /** The run series over every job the actor may read (admins: all; others: their own and those shared with them). */
  async globalSeries(window: SeriesWindow, actor: Actor, now = Date.now()): Promise<Series> {
    if (actor.role === 'admin') return await this.series(window, now, {}, {});
    const shared = ((await this.access?.sharedWith(actor)) ?? []).map((j) => ({ id: j.jobId, incarnation: j.incarnation ?? '' }));
    return await this.series(window, now, { owner: actor.id, sharedJobs: shared }, { owner: actor.id, sharedJobs: shared.map((j) => j.id) });
  }

  private async series(window: SeriesWindow, now: number, scope: RollupScope, rows: SkipFilter): Promise<Series> {
    const { from, to } = windowBuckets(window, now);
    const [hours, notRun] = await Promise.all([
      this.rollup ? this.rollup.sums(scope, new Date(from), new Date(to)) : Promise.resolve(new Map()),
      this.skips ? this.skips.countByHour({ ...rows, from: new Date(from), to: new Date(to) }) : Promise.resolve(new Map()),
    ]);
    return buildSeries(window, now, hours, notRun);
  }

  async jobStats(jobId: string, actor: Actor): Promise<RunStats> {
    // The next fire time as the scheduler reports it: a describe (JobService.get tells it without one).
    const stored = await this.store.get(jobId);
    await this.allow(stored.job, actor, 'read');
    const base = runsQuery({ jobId, incarnation: stored.job.incarnation ?? null }, RUN_JOB_WORKFLOW, ATTRS);
    const stats = await this.stats(base, { jobs: [{ id: jobId, incarnation: stored.job.incarnation ?? null }] });
    return { ...stats, nextRunAt: stored.state.nextRunTimes[0]?.toISOString() ?? null };
  }

  /**
   * Run stats over the actor's (or, for admins, all) jobs. Runs are counted by one count query;
   * jobs and the next fire time come from at most MAX_STATS_JOBS schedule-list entries, and
   * `jobsCapped` says when there were more (then `jobs` is that cap).
   */
  async globalStats(actor: Actor): Promise<RunStats & { jobs: number; jobsCapped: boolean }> {
    const owner = actor.role === 'admin' ? undefined : actor.id;
    const base = runsQuery({ owner }, RUN_JOB_WORKFLOW, ATTRS);
    const stats = await this.stats(base, owner === undefined ? {} : { owner });
    let next: string | null = null;
    let jobs = 0;
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ owner, pageSize: 1000, cursor });
      jobs += page.items.length;
      for (const j of page.items) if (j.nextRunAt && (next === null || j.nextRunAt < next)) next = j.nextRunAt;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && jobs < MAX_STATS_JOBS);
    return { ...stats, nextRunAt: next, jobs, jobsCapped: cursor !== undefined };
  }

  /** Runs matching a visibility query, counted by status (one `count … GROUP BY ExecutionStatus`). */
  async countByStatus(query: string): Promise<StatusCounts> {
    return countsFromGroups(await this.temporal.workflows.countGroups(`${query} GROUP BY ExecutionStatus`));
  }

  private async stats(base: string, rows: SkipFilter): Promise<Omit<RunStats, 'nextRunAt'>> {
    const counts = await this.countWithNotRun(base, rows);
    const finished = await this.page(`${base} AND ExecutionStatus != 'Running'`, MEAN_SAMPLE);
    const durations = finished.items.map((r) => r.durationMs).filter((d): d is number => d !== null);
    return {
      ...counts,
      successRate: successRate(counts),
      meanDurationMs: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
      sampleSize: durations.length,
      lastRun: finished.items[0] ?? null,
    };
  }
}

/** A run view's details before the history fills them in (and all a fire time that did not run has). */
const EMPTY_DETAIL = { attempts: 0, error: null, progress: null, output: null, cause: null, dependents: [], input: null, requestedBy: null, currentAttempt: null } as const satisfies Omit<RunView, keyof RunSummary>;

const isoOf = (ts: Parameters<typeof timestampToDate>[0]): string | null => timestampToDate(ts)?.toISOString() ?? null;

/**
 * The driver's pending activity as the run page tells it. Temporal keeps a failed attempt's activity
 * SCHEDULED during the retry interval, with the next attempt's number and `nextAttemptScheduleTime`;
 * a SCHEDULED attempt without it waits for a worker.
 */
function attemptInfo(pa: temporal.api.workflow.v1.IPendingActivityInfo, lastFailure: RunError | null): RunAttemptInfo {
  const next = timestampToDate(pa.nextAttemptScheduleTime);
  const state: RunAttemptInfo['state'] =
    pa.state === PendingState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
      ? 'stopping'
      : pa.state === PendingState.PENDING_ACTIVITY_STATE_STARTED
        ? 'executing'
        : next && lastFailure
          ? 'retrying'
          : 'queued';
  return {
    state,
    attempt: pa.attempt || 1,
    maximumAttempts: pa.maximumAttempts || null,
    startedAt: state === 'executing' || state === 'stopping' ? isoOf(pa.lastStartedTime) : null,
    lastHeartbeatAt: isoOf(pa.lastHeartbeatTime),
    lastFailure,
    lastFailedAt: lastFailure ? isoOf(pa.lastAttemptCompleteTime) : null,
    nextAttemptAt: state === 'retrying' && next ? next.toISOString() : null,
  };
}

/** The most schedule-list entries /v1/stats reads (10 pages). */
export const MAX_STATS_JOBS = 10_000;

function assertRunning(info: RawExecution, runId: string): void {
  if (info.status !== WorkflowStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
    throw new KairosError('conflict', `run '${runId}' is not running (${statusFromVisibility(statusName(info.status))})`);
  }
}

function statusName(s: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined): string {
  return (WorkflowStatus[s ?? 0] ?? 'RUNNING').replace(/^WORKFLOW_EXECUTION_STATUS_/, '');
}

/** A run summary from a visibility record or a describe (search attributes, times, status). */
export function summaryOf(e: RawExecution): RunSummary {
  const sa = decodeSearchAttributes(e.searchAttributes?.indexedFields);
  const started = timestampToDate(e.startTime) ?? new Date(0);
  const closed = timestampToDate(e.closeTime);
  const scheduled = sa.get(SCHEDULED_START_TIME) ?? timestampToDate(e.executionTime) ?? started;
  const status = statusFromVisibility(statusName(e.status));
  // A run runJob left out by decision: today only the DST policy does (KairosOutcome 'skipped').
  const skipped = status === 'succeeded' && sa.get(SA.outcome) === 'skipped';
  return {
    ...(skipped ? { skip: { scheduledAt: scheduled.toISOString(), reason: 'dst' as const } } : {}),
    runId: e.execution?.workflowId ?? '',
    jobId: sa.get(SA.jobId) ?? '',
    status: skipped ? 'skipped' : status,
    trigger: sa.get(SA.triggeredBy) ?? 'manual',
    scheduledAt: scheduled.toISOString(),
    startedAt: started.toISOString(),
    endedAt: closed ? closed.toISOString() : null,
    durationMs: closed ? closed.getTime() - started.getTime() : null,
    startDelayMs: started.getTime() - scheduled.getTime(),
  };
}

/** A row of a fire time that did not run, as a run summary (it never started: startedAt is its scheduled time). */
export function notRunSummary(row: NotHappenedRun): RunSummary {
  return {
    runId: row.id,
    jobId: row.jobId,
    status: row.status,
    trigger: 'schedule',
    scheduledAt: row.scheduledAt,
    startedAt: row.scheduledAt,
    endedAt: null,
    durationMs: null,
    startDelayMs: 0,
    skip: { scheduledAt: row.scheduledAt, reason: row.reason, ...(row.detail === undefined ? {} : { detail: row.detail }) },
  };
}

/** The key both sources are merged on: a run's close time (running runs first), a row's scheduled time. */
const sortKey = (r: RunSummary): string => r.endedAt ?? '9999-12-31T23:59:59.999Z';

/** The row statuses a status filter names (undefined: both). */
export function notRunStatuses(statuses: readonly RunStatus[] | undefined): NotRunStatus[] | undefined {
  return statuses?.length ? statuses.filter((s): s is NotRunStatus => s === 'skipped' || s === 'missed') : undefined;
}

/** Where a merged listing stands (see RunService.mergedPage). */
interface MergedCursor {
  /** The Temporal cursor the current runs page is read with (absent: the first page). */
  t?: string;
  /** Runs of that page already shown. */
  k: number;
  /** Temporal has no more runs. */
  done: boolean;
  /** The last row shown. */
  s?: { at: string; id: string };
}

const MERGED = 'm1.';
function encodeMerged(c: MergedCursor): string {
  return MERGED + Buffer.from(JSON.stringify(c)).toString('base64url');
}
function decodeMerged(cursor: string): MergedCursor {
  const bad = () => new KairosError('validation', 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this listing' }]);
  if (!cursor.startsWith(MERGED)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor.slice(MERGED.length), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const c = v as Partial<MergedCursor> | null;
  const okS = c?.s === undefined || (typeof c.s === 'object' && c.s !== null && typeof c.s.at === 'string' && typeof c.s.id === 'string');
  if (!c || typeof c !== 'object' || (c.t !== undefined && typeof c.t !== 'string') || !Number.isInteger(c.k) || (c.k ?? -1) < 0 || typeof c.done !== 'boolean' || !okS) throw bad();
  return { ...(c.t === undefined ? {} : { t: c.t }), k: c.k ?? 0, done: c.done, ...(c.s ? { s: { at: c.s.at, id: c.s.id } } : {}) };
}

function applyRecord(view: RunView, rec: RunJobResult & { skip?: RunSkip }): void {
  if (rec.skip) view.skip = rec.skip;
  view.attempts = Math.max(view.attempts, rec.attempts ?? 0);
  view.error = rec.error ?? null;
  view.output = rec.output ?? null;
  view.progress = rec.progress ?? view.progress;
  view.dependents = rec.dependents ?? [];
}
