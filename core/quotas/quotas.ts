// Per-owner quotas: how many jobs one owner may have, and how many runs of its jobs may be running
// at once. Both are counted on Temporal visibility, which lags a write by a moment:
// - jobs: one count query of the owner's schedules answers while the owner is clearly below the
//   limit; near it, a page of the schedule list (at most limit + 1 ids) is read so that the ids can
//   be matched with this process's own writes. A burst of creates could all count the same list
//   and pass together. The count therefore
//   adds what this process created or deleted in the last VISIBILITY_LAG_MS and what it is creating
//   right now (an in-process reservation), so one API process never exceeds the limit; several API
//   processes may, each by its own burst, until visibility catches up.
// - runs: a run that starts counts the owner's runs that started before it and are still running;
//   runs that start in the same instant, or before visibility shows their neighbours, may pass
//   together (the limit is approximate by the runs of one burst).
// A quota that is exceeded is a `forbidden` error (403 in every surface) naming the variable and the limit.
import { KairosError } from '../errors.ts';
import { RUN_JOB_WORKFLOW } from '../temporal/contract.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';
import type { ListPage, ListQuery } from '../jobs/store.ts';
import { quote, runsQuery } from '../runs/query.ts';
import { SA } from '../search-attributes.ts';

export interface QuotaLimits {
  /** Jobs per owner (KAIROS_QUOTA_JOBS); 0 = unlimited. */
  jobs: number;
  /** Running runs per owner (KAIROS_QUOTA_CONCURRENT_RUNS); 0 = unlimited. */
  concurrentRuns: number;
}

/** How long a fresh create or delete may be missing from the schedule list. */
export const VISIBILITY_LAG_MS = 15_000;

const VARIABLE = { jobs: 'KAIROS_QUOTA_JOBS', concurrentRuns: 'KAIROS_QUOTA_CONCURRENT_RUNS' } as const;

/** The message of a refusal: which quota, its limit, and whose. */
export function quotaMessage(quota: keyof QuotaLimits, limit: number, owner: string): string {
  return quota === 'jobs'
    ? `quota exceeded: owner '${owner}' already has ${limit} jobs, the most ${VARIABLE.jobs} allows; delete a job first`
    : `quota exceeded: owner '${owner}' already has ${limit} runs running, the most ${VARIABLE.concurrentRuns} allows; try again when one has finished`;
}

export function quotaExceeded(quota: keyof QuotaLimits, limit: number, owner: string): KairosError {
  // The detail names the variable and limit too: some surfaces render only the details.
  const what = quota === 'jobs' ? 'jobs' : 'running runs';
  return new KairosError('forbidden', quotaMessage(quota, limit, owner), [{ path: `quota.${quota}`, message: `${VARIABLE[quota]} allows ${limit} ${what} per owner` }]);
}

export interface RunningFilter {
  /** Leave this run out (the run asking). */
  exceptWorkflowId?: string;
  /** Count only runs that started before this instant (runs that started later yield to this one). */
  startedBefore?: Date;
}

/** The visibility query for an owner's running runs. */
export function runningRunsQuery(owner: string, f: RunningFilter = {}): string {
  const clauses = [runsQuery({ owner, statuses: ['running'] }, RUN_JOB_WORKFLOW, { jobId: SA.jobId.name, owner: SA.owner.name })];
  if (f.exceptWorkflowId !== undefined) clauses.push(`WorkflowId != ${quote(f.exceptWorkflowId)}`);
  if (f.startedBefore !== undefined) clauses.push(`StartTime < ${quote(f.startedBefore.toISOString())}`);
  return clauses.join(' AND ');
}

/** How many of an owner's runs are running (one count query: bounded whatever the history). */
export async function countRunningRuns(temporal: TemporalGateway, owner: string, f: RunningFilter = {}): Promise<number> {
  return await temporal.workflows.count(runningRunsQuery(owner, f));
}

/** The visibility query for an owner's schedules (Temporal keeps schedules in their own division). */
export function ownerSchedulesQuery(owner: string): string {
  return `TemporalNamespaceDivision = 'TemporalScheduler' AND ${SA.jobId.name} IS NOT NULL AND ${SA.owner.name} = ${quote(owner)}`;
}

/** How many schedules an owner has (one count query). */
export async function countOwnerSchedules(temporal: TemporalGateway, owner: string): Promise<number> {
  return await temporal.workflows.count(ownerSchedulesQuery(owner));
}

/** What the job quota needs of the job store: its schedule list. */
export interface JobLister {
  list(q: ListQuery): Promise<ListPage>;
}

/** A job id held against its owner's quota while the job is being written. */
export interface Reservation {
  /** The write succeeded: the job counts until the schedule list shows it. */
  commit(): void;
  /** The write failed: the id no longer counts. */
  release(): void;
}

const NOTHING: Reservation = { commit() {}, release() {} };

/** Counts an owner's jobs from the schedule list, corrected for this process's recent writes. */
export class JobQuota {
  private readonly pending = new Map<string, Set<string>>();
  /** owner → id → whether it exists since a recent write (true: created, false: deleted), and when. */
  private readonly recent = new Map<string, Map<string, { present: boolean; at: number }>>();

  constructor(
    private readonly lister: JobLister,
    readonly limit: number,
    private readonly now: () => number = Date.now,
    /** A cheap count of the owner's jobs (may include recent deletes and miss recent creates); optional. */
    private readonly count?: (owner: string) => Promise<number>,
  ) {}

  /**
   * Holds `id` against `owner`'s quota, or throws the quota error. Only the schedule list read is
   * awaited; the count and the hold happen in one turn, so concurrent calls in this process see
   * each other's holds.
   */
  async reserve(owner: string, id: string): Promise<Reservation> {
    if (this.limit <= 0) return NOTHING;
    const counted = this.count ? await this.count(owner).catch(() => undefined) : undefined;
    if (counted !== undefined) {
      // An upper bound: the count plus everything this process is writing or wrote lately (which
      // the count may or may not show yet). Clearly below the limit, no list needs reading.
      const recentCreates = [...this.recentOf(owner).values()].filter((r) => r.present).length;
      if (counted + (this.pending.get(owner)?.size ?? 0) + recentCreates < this.limit) return this.hold(owner, id);
    }
    const recent = this.recentOf(owner);
    const deleted = [...recent.values()].filter((r) => !r.present).length;
    const listed = await this.listIds(owner, this.limit + deleted);
    const ids = new Set([...listed, ...(this.pending.get(owner) ?? [])]);
    for (const [rid, r] of this.recentOf(owner)) {
      if (r.present) ids.add(rid);
      else ids.delete(rid);
    }
    ids.delete(id);
    if (ids.size >= this.limit) throw quotaExceeded('jobs', this.limit, owner);
    return this.hold(owner, id);
  }

  private hold(owner: string, id: string): Reservation {
    const mine = this.pending.get(owner) ?? new Set<string>();
    mine.add(id);
    this.pending.set(owner, mine);
    const drop = () => {
      mine.delete(id);
      if (mine.size === 0 && this.pending.get(owner) === mine) this.pending.delete(owner);
    };
    return {
      commit: () => {
        drop();
        this.note(owner, id, true);
      },
      release: drop,
    };
  }

  /** A job left its owner (deleted, or handed to another owner). */
  noteRemoved(owner: string, id: string): void {
    if (this.limit > 0) this.note(owner, id, false);
  }

  private note(owner: string, id: string, present: boolean): void {
    const m = this.recentOf(owner);
    m.set(id, { present, at: this.now() });
    this.recent.set(owner, m);
  }

  /** The owner's recent writes, those older than the visibility lag forgotten. */
  private recentOf(owner: string): Map<string, { present: boolean; at: number }> {
    const m = this.recent.get(owner) ?? new Map<string, { present: boolean; at: number }>();
    const cutoff = this.now() - VISIBILITY_LAG_MS;
    for (const [id, r] of m) if (r.at < cutoff) m.delete(id);
    if (m.size === 0) this.recent.delete(owner);
    return m;
  }

  /** Up to `need` of the owner's job ids (pages of at most 1000: enough to decide, never everything). */
  private async listIds(owner: string, need: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.lister.list({ owner, pageSize: Math.min(1000, need - ids.length), cursor });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && ids.length < need);
    return ids;
  }
}

/** The quotas the job service enforces on writes and manual runs. */
export class Quotas {
  readonly jobs: JobQuota;

  constructor(
    private readonly temporal: TemporalGateway,
    lister: JobLister,
    readonly limits: QuotaLimits,
  ) {
    this.jobs = new JobQuota(lister, limits.jobs, Date.now, (owner) => countOwnerSchedules(temporal, owner));
  }

  /** Refuses a manual run while the owner has as many runs running as the quota allows. */
  async assertMayStartRun(owner: string): Promise<void> {
    const limit = this.limits.concurrentRuns;
    if (limit <= 0) return;
    if ((await countRunningRuns(this.temporal, owner)) >= limit) throw quotaExceeded('concurrentRuns', limit, owner);
  }
}
