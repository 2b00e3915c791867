// Fire times that did not run, in the state store (#17): the rows the recorder (./recorder.ts)
// writes and the runs service reads beside Temporal's runs. A row is written once per (job,
// incarnation, scheduled time) — `on conflict do nothing`, so recorders on several API instances
// never write one twice, and only the instance whose insert took the row tells the listeners.
import { sql } from 'kysely';
import type { Db } from '../db/open.ts';
import type { RunSkipRow } from '../db/schema.ts';
import type { RunSkip, SkipReason } from './types.ts';

/** `missed` when nothing was there to run it (the catch-up window after downtime); `skipped` by a decision otherwise. */
export type NotRunStatus = 'skipped' | 'missed';

/** Status of a skip reason (core/runs/types.ts: catchupWindow → missed). */
export const statusOfReason = (reason: SkipReason): NotRunStatus => (reason === 'catchupWindow' ? 'missed' : 'skipped');

/** One fire time that did not run, as stored and as the hook reports it. */
export interface NotHappenedRun extends RunSkip {
  /** The row's run id: `<jobId>-<scheduled time>-<status>`. */
  id: string;
  jobId: string;
  /** '' for a legacy job. */
  incarnation: string;
  ownerId: string;
  dialect: string;
  jobName: string;
  status: NotRunStatus;
  recordedAt: string;
}

/** Go's time.RFC3339 of a UTC time, whole seconds, as Temporal stamps a scheduled run's id. */
export const stampOf = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The run id of a fire time that did not run (never a workflow id: those end in `Z`). */
export const notRunId = (jobId: string, at: Date, status: NotRunStatus): string => `${jobId}-${stampOf(at)}-${status}`;

/** What a listing of rows is narrowed by (all optional; ANDed). */
export interface SkipFilter {
  /** Rows of these jobs, each of its creation (null: a legacy job's, ''), or of any creation when absent from the map. */
  jobs?: { id: string; incarnation?: string | null }[];
  /** Only rows of jobs this principal owned (or of `sharedJobs`). */
  owner?: string;
  /** Job ids whose rows show despite `owner` (jobs shared with that principal). */
  sharedJobs?: string[];
  /** Only rows of jobs saved through this dialect. */
  dialect?: string;
  statuses?: NotRunStatus[];
  /** scheduled_at ≥ from and < to. */
  from?: Date;
  to?: Date;
  /** Keyset: rows strictly older than this (scheduled_at, id), newest first. */
  before?: { at: string; id: string };
  /** Rows at or after this scheduled time only. */
  notBefore?: string;
}

function toRun(r: RunSkipRow): NotHappenedRun {
  return {
    id: r.id,
    jobId: r.job_id,
    incarnation: r.incarnation,
    ownerId: r.owner_id,
    dialect: r.dialect,
    jobName: r.job_name,
    scheduledAt: r.scheduled_at,
    status: r.status,
    reason: r.reason as SkipReason,
    ...(r.detail === null ? {} : { detail: r.detail }),
    recordedAt: r.recorded_at,
  };
}

export class RunSkipStore {
  constructor(private readonly db: Db) {}

  /** Writes the rows not written yet; returns those this call wrote (each fire time once, whoever races). */
  async record(rows: readonly NotHappenedRun[]): Promise<NotHappenedRun[]> {
    const written: NotHappenedRun[] = [];
    for (const r of rows) {
      const res = await this.db.kysely
        .insertInto('run_skips')
        .values({
          id: r.id,
          job_id: r.jobId,
          incarnation: r.incarnation,
          owner_id: r.ownerId,
          dialect: r.dialect,
          job_name: r.jobName,
          scheduled_at: r.scheduledAt,
          status: r.status,
          reason: r.reason,
          detail: r.detail ?? null,
          recorded_at: r.recordedAt,
        })
        // No conflict target: the fire time's unique key or the id, whichever another instance took first.
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      if (res.length) written.push(r);
    }
    return written;
  }

  async get(id: string): Promise<NotHappenedRun | undefined> {
    const row = await this.db.kysely.selectFrom('run_skips').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  /** Rows matching `f`, newest scheduled time first, at most `limit`. */
  async list(f: SkipFilter, limit: number): Promise<NotHappenedRun[]> {
    if (f.jobs?.length === 0) return [];
    const rows = await this.filtered(f).selectAll().orderBy('scheduled_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }

  /** Rows matching `f`, counted by status. */
  async count(f: SkipFilter): Promise<Record<NotRunStatus, number>> {
    const out: Record<NotRunStatus, number> = { skipped: 0, missed: 0 };
    if (f.jobs?.length === 0) return out;
    const rows = await this.filtered(f).select(['status', (eb) => eb.fn.countAll<string | number>().as('n')]).groupBy('status').execute();
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  /**
   * Rows matching `f` counted per UTC hour of their scheduled time (keyed by the hour's ISO start)
   * and status: the charts' "did not run" marks. The hour is the text's first 13 characters (times
   * are stored as `…Z` ISO text), the same in SQLite and PostgreSQL.
   */
  async countByHour(f: SkipFilter): Promise<Map<string, Record<NotRunStatus, number>>> {
    const out = new Map<string, Record<NotRunStatus, number>>();
    if (f.jobs?.length === 0) return out;
    const hour = sql<string>`substr(scheduled_at, 1, 13)`;
    const rows = await this.filtered(f)
      .select([hour.as('h'), 'status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .groupBy([hour, 'status'])
      .execute();
    for (const r of rows) {
      const key = `${r.h}:00:00.000Z`;
      const c = out.get(key) ?? { skipped: 0, missed: 0 };
      c[r.status] += Number(r.n);
      out.set(key, c);
    }
    return out;
  }

  private filtered(f: SkipFilter) {
    let q = this.db.kysely.selectFrom('run_skips');
    if (f.jobs) {
      const jobs = f.jobs;
      q = q.where((eb) =>
        eb.or(
          jobs.map((j) =>
            j.incarnation === undefined
              ? eb('job_id', '=', j.id)
              : eb.and([eb('job_id', '=', j.id), eb('incarnation', '=', j.incarnation ?? '')]),
          ),
        ),
      );
    }
    if (f.owner !== undefined) {
      const owner = f.owner;
      const shared = f.sharedJobs ?? [];
      q = shared.length ? q.where((eb) => eb.or([eb('owner_id', '=', owner), eb('job_id', 'in', shared)])) : q.where('owner_id', '=', owner);
    }
    if (f.dialect !== undefined) q = q.where('dialect', '=', f.dialect);
    if (f.statuses) q = f.statuses.length ? q.where('status', 'in', f.statuses) : q.where((eb) => eb.val(1), '=', 0);
    if (f.from) q = q.where('scheduled_at', '>=', f.from.toISOString());
    if (f.to) q = q.where('scheduled_at', '<', f.to.toISOString());
    if (f.notBefore !== undefined) q = q.where('scheduled_at', '>=', f.notBefore);
    if (f.before) {
      const b = f.before;
      q = q.where((eb) => eb.or([eb('scheduled_at', '<', b.at), eb.and([eb('scheduled_at', '=', b.at), eb('id', '<', b.id)])]));
    }
    return q;
  }

  /** Deletes a job's rows and watermark (every creation of the id: JobService.remove is the one delete path). */
  async forgetJob(jobId: string): Promise<void> {
    await this.db.kysely.deleteFrom('run_skips').where('job_id', '=', jobId).execute();
    await this.db.kysely.deleteFrom('run_skip_marks').where('job_id', '=', jobId).execute();
  }

  /** Every job's watermark. */
  async marks(): Promise<Map<string, { checkedUntil: string; closed: boolean }>> {
    const rows = await this.db.kysely.selectFrom('run_skip_marks').selectAll().execute();
    return new Map(rows.map((r) => [markKey(r.job_id, r.incarnation), { checkedUntil: r.checked_until, closed: r.closed === 1 }]));
  }

  /** Moves a job's watermark forward (never back: another instance may have gone further). */
  async advance(jobId: string, incarnation: string, checkedUntil: string, closed: boolean): Promise<void> {
    // The two-argument maximum: max() in SQLite, greatest() in PostgreSQL.
    const greatest = sql.raw(this.db.backend === 'postgres' ? 'greatest' : 'max');
    await this.db.kysely
      .insertInto('run_skip_marks')
      .values({ job_id: jobId, incarnation, checked_until: checkedUntil, closed: closed ? 1 : 0 })
      .onConflict((oc) =>
        oc.columns(['job_id', 'incarnation']).doUpdateSet({
          checked_until: sql<string>`${greatest}(run_skip_marks.checked_until, excluded.checked_until)`,
          closed: sql<number>`${greatest}(run_skip_marks.closed, excluded.closed)`,
        }),
      )
      .execute();
  }
}

/** The watermark map's key. */
export const markKey = (jobId: string, incarnation: string): string => `${jobId}\u0000${incarnation}`;
