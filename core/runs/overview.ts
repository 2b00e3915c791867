// Runs across jobs, for dashboards that show every run rather than one job's history: counts by
// status over all runs a caller may see (narrowed by dialect or by a set of jobs), offset pages of
// those runs, and whether an in-flight run is still queued (its driver not picked up by a worker)
// or executing, with the progress its driver last heartbeated. Answered by Temporal visibility and
// describe; nothing is cached.
import { enums } from '../temporal/proto.ts';
import { KairosError, validationError } from '../errors.ts';
import type { Actor } from '../jobs/service.ts';
import { RUN_JOB_WORKFLOW } from '../temporal/contract.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';
import { decodeSearchAttributes } from '../temporal/payloads.ts';
import { SA } from '../search-attributes.ts';
import { emptyByStatus, incarnationClause, matchesNotRun, matchesWorkflows, quote, runsQuery, type StatusCounts } from './query.ts';
import { notRunStatuses, notRunSummary, summaryOf, type RunService, type RunSummary } from './service.ts';
import type { SkipFilter } from './skip-store.ts';
import type { RunProgress, RunStatus } from './types.ts';

export interface OverviewFilter {
  /** Only runs of jobs saved through this dialect (KairosDialect). */
  dialect?: string;
  /** Only runs of these jobs; an empty list matches nothing. */
  jobIds?: string[];
  statuses?: RunStatus[];
  /**
   * Per job id in `jobIds`: the current incarnation (null: a legacy job), so that a re-created job
   * shows none of a deleted one's runs. Filled by RunOverview.scope; a job id missing here (its job
   * is gone) matches all its runs, which the owner filter still bounds.
   */
  incarnations?: ReadonlyMap<string, string | null>;
  /**
   * Job ids in `jobIds` the actor may read through a share (core/access): their current creation's
   * runs show whoever started them. Filled by RunOverview.scope; other named jobs show the actor's own runs.
   */
  shared?: ReadonlySet<string>;
  /**
   * Also the fire times that did not run (state-store rows), merged in time order: the native API
   * and the dashboard ask for them; CluedIn, whose states have none for them, does not.
   */
  withNotRun?: boolean;
}

export interface OverviewRun extends RunSummary {
  /** The job's name when the run started (the run's memo), null if it carried none. */
  jobName: string | null;
}

/** An in-flight run: queued until a worker has started its driver, executing after. */
export interface InFlight {
  phase: 'queued' | 'executing';
  /** What the driver last heartbeated, if anything. */
  progress: RunProgress | null;
}

export interface OverviewCounts extends StatusCounts {
  /** Running runs whose driver no worker has started yet (a part of byStatus.running). */
  queued: number;
  /** How many running runs were looked at to split queued from executing (at most PHASE_SAMPLE). */
  phaseSampled: number;
}

/** In-flight runs described per count or per phase-filtered page; more are counted as executing. */
export const PHASE_SAMPLE = 200;
/** The furthest an offset page may reach (visibility pages by token, so an offset is read through). */
export const MAX_OFFSET = 10_000;
const PARALLEL = 8;
const PendingState = enums.PendingActivityState;
/** A run whose history holds no more than its start and first workflow task has scheduled nothing yet. */
const UNSTARTED_HISTORY = 3;

export class RunOverview {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly runs: RunService,
  ) {}

  /** The visibility query for a filter, restricted to the actor's own jobs unless an admin. */
  query(f: OverviewFilter, actor: Actor): string {
    return overviewQuery(f, actor.role === 'admin' ? undefined : actor.id);
  }

  /**
   * The filter with the current incarnation of each job it names, and which of them the actor may
   * read through a share (one direct read per job).
   */
  async scope(f: OverviewFilter, actor?: Actor): Promise<OverviewFilter> {
    if (!f.jobIds?.length || f.incarnations) return f;
    const ids = [...new Set(f.jobIds)];
    const found = await inBatches(ids, (id) => this.runs.jobScope(id, actor));
    return {
      ...f,
      incarnations: new Map(ids.flatMap((id, i) => { const s = found[i]; return s === undefined ? [] : [[id, s.incarnation] as const]; })),
      shared: new Set(ids.filter((_, i) => found[i]?.shared === true)),
    };
  }

  /** The state-store rows a filter selects for `actor` (undefined: none are asked for). */
  private rowFilter(f: OverviewFilter, actor: Actor): SkipFilter | undefined {
    if (!f.withNotRun || !matchesNotRun(f.statuses)) return undefined;
    const admin = actor.role === 'admin';
    const named = f.jobIds !== undefined;
    return {
      ...(named ? { jobs: [...new Set(f.jobIds)].map((id) => (f.incarnations?.has(id) ? { id, incarnation: f.incarnations.get(id) ?? null } : { id })) } : {}),
      // Rows of a job shared with the actor show whoever owns it; the others only the actor's own.
      ...(admin ? {} : { owner: actor.id, ...(named ? { sharedJobs: [...(f.shared ?? [])] } : {}) }),
      ...(f.dialect === undefined ? {} : { dialect: f.dialect }),
      statuses: notRunStatuses(f.statuses),
    };
  }

  /** How many runs (and, with `withNotRun`, rows) the filter matches, by status. */
  async total(f: OverviewFilter, actor: Actor): Promise<StatusCounts> {
    if (f.jobIds?.length === 0) return { total: 0, byStatus: emptyByStatus() };
    f = await this.scope(f, actor);
    const rows = this.rowFilter(f, actor);
    if (!rows) return await this.runs.countByStatus(this.query(f, actor));
    return await this.runs.countWithNotRun(this.query(f, actor), rows);
  }

  /** Counts by status; running runs are further split into queued and executing. */
  async counts(f: OverviewFilter, actor: Actor): Promise<OverviewCounts> {
    if (f.jobIds?.length === 0) return { total: 0, byStatus: emptyByStatus(), queued: 0, phaseSampled: 0 };
    f = await this.scope(f, actor);
    const counts = await this.runs.countByStatus(this.query(f, actor));
    if (counts.byStatus.running === 0) return { ...counts, queued: 0, phaseSampled: 0 };
    const running = await this.list({ ...f, statuses: ['running'] }, 0, PHASE_SAMPLE, actor);
    const phases = await inBatches(running, (r) => this.inFlight(r.runId));
    return { ...counts, queued: phases.filter((p) => p?.phase === 'queued').length, phaseSampled: running.length };
  }

  /** Runs `offset … offset+limit` in visibility's order (running first, then newest close first). */
  async list(f: OverviewFilter, offset: number, limit: number, actor: Actor): Promise<OverviewRun[]> {
    if (offset + limit > MAX_OFFSET) {
      throw validationError('page out of range', [{ path: 'query.offset', message: `offset + limit may reach at most ${MAX_OFFSET}` }]);
    }
    if (f.jobIds?.length === 0 || limit <= 0) return [];
    f = await this.scope(f, actor);
    const query = this.query(f, actor);
    const out: OverviewRun[] = [];
    const rowFilter = this.rowFilter(f, actor);
    // Rows of fire times that did not run: as many as the page could reach, merged by time below.
    const rows = rowFilter ? await this.runs.notRunRows(rowFilter, offset + limit) : [];
    let token: Uint8Array | undefined;
    if (rowFilter && !matchesWorkflows(f.statuses)) return rows.slice(offset, offset + limit).map((r) => ({ ...notRunSummary(r), jobName: r.jobName }));
    do {
      const res = await this.temporal.workflows.listPage({ query, pageSize: Math.min(1000, offset + limit - out.length), nextPageToken: token });
      for (const e of res.items) {
        const memo = e.memo?.fields?.jobName;
        const jobName = memo ? await this.temporal.decode<string>(0, [memo]).catch(() => null) : null;
        out.push({ ...summaryOf(e), jobName: typeof jobName === 'string' ? jobName : null });
      }
      token = res.nextPageToken;
    } while (token && out.length < offset + limit);
    if (!rows.length) return out.slice(offset, offset + limit);
    // Both lists are newest first: runs by close time (running first), rows by scheduled time.
    const merged: OverviewRun[] = [];
    let ri = 0;
    let si = 0;
    while (merged.length < offset + limit && (ri < out.length || si < rows.length)) {
      const r = out[ri];
      const row = rows[si];
      if (r && (!row || (r.endedAt ?? '9999') >= row.scheduledAt)) {
        merged.push(r);
        ri++;
      } else if (row) {
        merged.push({ ...notRunSummary(row), jobName: row.jobName });
        si++;
      }
    }
    return merged.slice(offset, offset + limit);
  }

  /** In-flight runs in one phase, paged by offset (at most PHASE_SAMPLE running runs are looked at). */
  async listInPhase(f: OverviewFilter, phase: InFlight['phase'], offset: number, limit: number, actor: Actor): Promise<(OverviewRun & { inFlight: InFlight })[]> {
    const running = await this.list({ ...f, statuses: ['running'] }, 0, PHASE_SAMPLE, actor);
    const phases = await inBatches(running, (r) => this.inFlight(r.runId));
    const matching = running.flatMap((r, i) => {
      const p = phases[i];
      return p && p.phase === phase ? [{ ...r, inFlight: p }] : [];
    });
    return matching.slice(offset, offset + limit);
  }

  /**
   * Phase and progress of a run, from one describe; undefined once it has finished (or never existed).
   * Callers pass run ids they got from a listing the actor may see.
   */
  async inFlight(runId: string): Promise<InFlight | undefined> {
    let desc;
    try {
      desc = await this.temporal.workflows.describe(runId);
    } catch (err) {
      if (err instanceof KairosError && (err.kind === 'not_found' || err.kind === 'validation')) return undefined;
      throw err;
    }
    const info = desc.workflowExecutionInfo;
    if (info?.type?.name !== RUN_JOB_WORKFLOW) return undefined;
    if (info.status !== enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) return undefined;
    const jobType = decodeSearchAttributes(info.searchAttributes?.indexedFields).get(SA.jobType);
    const driver = (desc.pendingActivities ?? []).find((pa) => pa.activityType?.name === jobType);
    let progress: RunProgress | null = null;
    const beat = driver?.heartbeatDetails?.payloads;
    if (beat?.length) progress = (await this.temporal.decode<RunProgress>(0, beat).catch(() => undefined)) ?? null;
    const started = driver ? driver.state === PendingState.PENDING_ACTIVITY_STATE_STARTED || driver.state === PendingState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED : undefined;
    // No driver pending: either nothing is scheduled yet (a fresh run) or the driver is done and the run is finishing.
    const phase = (started ?? Number(info.historyLength ?? 0) > UNSTARTED_HISTORY) ? 'executing' : 'queued';
    return { phase, progress };
  }
}

/** The visibility query: runJob runs, the owner's (if given), the dialect's, of the jobs, in the statuses. */
export function overviewQuery(f: OverviewFilter, owner?: string): string {
  const named = f.jobIds !== undefined && f.jobIds.length > 0;
  // Naming jobs, the owner restriction moves into each job's alternative: a job shared with the actor shows all its runs.
  const clauses = [runsQuery({ owner: named ? undefined : owner, statuses: f.statuses }, RUN_JOB_WORKFLOW, { jobId: SA.jobId.name, owner: SA.owner.name })];
  if (f.dialect !== undefined) clauses.push(`${SA.dialect.name} = ${quote(f.dialect)}`);
  if (named) {
    const ids = [...new Set(f.jobIds)];
    const scoped = ids.filter((id) => f.incarnations?.has(id));
    const plain = ids.filter((id) => !f.incarnations?.has(id));
    const mine = (id: string) => (owner === undefined || f.shared?.has(id) ? '' : ` AND ${SA.owner.name} = ${quote(owner)}`);
    // A job that exists: only its current creation's runs (see OverviewFilter.incarnations).
    const alternatives = scoped.map((id) => `(${SA.jobId.name} = ${quote(id)} AND ${incarnationClause(f.incarnations?.get(id) ?? null, SA.incarnation.name)}${mine(id)})`);
    if (plain.length) {
      const which = plain.length === 1 ? `${SA.jobId.name} = ${quote(plain[0] ?? '')}` : `${SA.jobId.name} IN (${plain.map(quote).join(', ')})`;
      alternatives.push(owner === undefined ? which : `(${which} AND ${SA.owner.name} = ${quote(owner)})`);
    }
    clauses.push(alternatives.length === 1 ? (alternatives[0] ?? '') : `(${alternatives.join(' OR ')})`);
  }
  return clauses.join(' AND ');
}

/** `fn` over `items` in batches of PARALLEL describes, keeping order (a bounded fan-out). */
async function inBatches<T, R>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(fn))));
  return out;
}
