// The record of the backfills asked of jobs' schedules, in the state store (`job_backfills`).
// Temporal's backfill starts the schedule's own action: its runs carry the schedule's arguments and
// search attributes (KairosTriggeredBy = schedule) and nothing marks them as a backfill's (the
// scheduler knows, and keeps it to itself). So Kairos records each request here before it asks, and
// a run tells whether it is a backfill's by asking: its scheduled time lies in a recorded range of
// its job's creation, and it started after that request. A run the schedule itself started for a
// time in the range started at that time — before the request, since a range never reaches past the
// moment it is asked for — so it is not mistaken for one (see README "Backfill" for the one edge).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open.ts';
import { storedIncarnation, type JobRef } from './attachments.ts';

/** A backfill as recorded. */
export interface BackfillRecord {
  id: string;
  jobId: string;
  from: Date;
  to: Date;
  overlap: string;
  fireTimes: number;
  requestedBy: string;
  requestedAt: Date;
}

/** What a run asks: is it a backfill's? */
export interface BackfillQuestion {
  jobId: string;
  /** Undefined: a legacy job. */
  incarnation?: string;
  /** The time the schedule meant the run for (TemporalScheduledStartTime). */
  scheduledAt: Date;
  /** When the run's workflow started. */
  startedAt: Date;
}

/** The `job_backfills` table: record, ask, list, forget. */
export class BackfillLog {
  constructor(private readonly db: Db) {}

  /** Records a backfill about to be asked of Temporal (before, so that no run it starts can ask too early). */
  async record(job: JobRef, b: Omit<BackfillRecord, 'id' | 'jobId'>): Promise<BackfillRecord> {
    const id = randomUUID();
    await this.db.kysely
      .insertInto('job_backfills')
      .values({
        id,
        job_id: job.id,
        incarnation: storedIncarnation(job),
        from_at: b.from.toISOString(),
        to_at: b.to.toISOString(),
        overlap: b.overlap,
        fire_times: b.fireTimes,
        requested_by: b.requestedBy,
        requested_at: b.requestedAt.toISOString(),
      })
      .execute();
    return { id, jobId: job.id, ...b };
  }

  /** Drops a record whose request Temporal refused (nothing of it will run). */
  async forget(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('job_backfills').where('id', '=', id).execute();
  }

  /**
   * Whether a run of the schedule was started by a recorded backfill. ISO 8601 UTC strings of one
   * length compare as the instants they name, so the range test is done by the database.
   */
  async covers(q: BackfillQuestion): Promise<boolean> {
    const at = q.scheduledAt.toISOString();
    const row = await this.db.kysely
      .selectFrom('job_backfills')
      .select('id')
      .where('job_id', '=', q.jobId)
      .where('incarnation', '=', storedIncarnation({ id: q.jobId, incarnation: q.incarnation }))
      .where('from_at', '<=', at)
      .where('to_at', '>=', at)
      .where('requested_at', '<=', q.startedAt.toISOString())
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A job's backfills, newest first (the latest 100). */
  async list(job: JobRef): Promise<BackfillRecord[]> {
    const rows = await this.db.kysely
      .selectFrom('job_backfills')
      .selectAll()
      .where('job_id', '=', job.id)
      .where('incarnation', '=', storedIncarnation(job))
      .orderBy('requested_at', 'desc')
      .limit(100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      jobId: r.job_id,
      from: new Date(r.from_at),
      to: new Date(r.to_at),
      overlap: r.overlap,
      fireTimes: r.fire_times,
      requestedBy: r.requested_by,
      requestedAt: new Date(r.requested_at),
    }));
  }

  /** Forgets a deleted job's backfills. */
  async forgetJob(jobId: string): Promise<void> {
    await this.db.kysely.deleteFrom('job_backfills').where('job_id', '=', jobId).execute();
  }
}
