// Who a job is shared with, and how far: the `job_shares` table of the state store (core/db). A share
// names a user or a team (`team_…`) and a level (read, run, edit, admin: core/access/policy.ts says
// what each allows). Shares belong to the creation of the job id they were made for (its incarnation,
// '' for a legacy job; see core/jobs/attachments.ts): a share made for an earlier job with the same id
// never opens a re-created one, and the first share of the new job drops the old job's rows.
import type { Db } from '../db/open.ts';
import type { ShareLevel } from '../db/schema.ts';
import type { JobRef } from '../jobs/attachments.ts';
import { highest } from '../access/policy.ts';

export type { ShareLevel } from '../db/schema.ts';

export interface Share {
  principalId: string;
  level: ShareLevel;
  createdAt: string;
  /** Who made the share (null for imported ones). */
  createdBy: string | null;
}

/** A job shared with one of the principals asked about, at the highest level they hold. */
export interface SharedJob {
  jobId: string;
  /** The incarnation the shares were made for (undefined: a legacy job's). */
  incarnation: string | undefined;
  level: ShareLevel;
}

/** Shares of several jobs, read at once (for listings). */
export interface ShareIndex {
  of(job: JobRef): Share[];
}

/** The stored form of a job's incarnation: '' for a legacy job. */
const stored = (job: JobRef): string => job.incarnation ?? '';
/** SQL `IN` lists are cut into chunks of this many (PostgreSQL and SQLite both take far more). */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class ShareStore {
  constructor(private readonly db: Db) {}

  private get k() {
    return this.db.kysely;
  }

  /** The shares of this creation of the job, by principal id. */
  async sharesOf(job: JobRef): Promise<Share[]> {
    const rows = await this.k
      .selectFrom('job_shares')
      .select(['principal_id', 'level', 'created_at', 'created_by'])
      .where('job_id', '=', job.id)
      .where('incarnation', '=', stored(job))
      .orderBy('principal_id')
      .execute();
    return rows.map((r) => ({ principalId: r.principal_id, level: r.level, createdAt: r.created_at, createdBy: r.created_by }));
  }

  /** The shares of several jobs (each for its own incarnation), read at once. */
  async index(jobs: readonly JobRef[]): Promise<ShareIndex> {
    const byJob = new Map<string, { incarnation: string; share: Share }[]>();
    for (const ids of chunks([...new Set(jobs.map((j) => j.id))])) {
      const rows = await this.k.selectFrom('job_shares').selectAll().where('job_id', 'in', ids).orderBy('principal_id').execute();
      for (const r of rows) {
        const list = byJob.get(r.job_id) ?? [];
        list.push({ incarnation: r.incarnation, share: { principalId: r.principal_id, level: r.level, createdAt: r.created_at, createdBy: r.created_by } });
        byJob.set(r.job_id, list);
      }
    }
    return { of: (job) => (byJob.get(job.id) ?? []).filter((x) => x.incarnation === stored(job)).map((x) => x.share) };
  }

  /** The highest level any of the principals (a user and its teams) holds on this creation of the job. */
  async levelFor(job: JobRef, principalIds: readonly string[]): Promise<ShareLevel | undefined> {
    if (principalIds.length === 0) return undefined;
    const rows = await this.k
      .selectFrom('job_shares')
      .select('level')
      .where('job_id', '=', job.id)
      .where('incarnation', '=', stored(job))
      .where('principal_id', 'in', [...principalIds])
      .execute();
    return highest(rows.map((r) => r.level));
  }

  /**
   * Every job shared with any of the principals, at the highest level among them, with the
   * incarnation the shares were made for (callers compare it with the job they read).
   */
  async sharedWith(principalIds: readonly string[]): Promise<SharedJob[]> {
    if (principalIds.length === 0) return [];
    const rows = await this.k
      .selectFrom('job_shares')
      .select(['job_id', 'incarnation', 'level'])
      .where('principal_id', 'in', [...principalIds])
      .orderBy('job_id')
      .execute();
    const out = new Map<string, SharedJob>();
    for (const r of rows) {
      const prev = out.get(r.job_id);
      const incarnation = r.incarnation === '' ? undefined : r.incarnation;
      // All rows of a job are for one incarnation (set() drops the others in the same transaction).
      out.set(r.job_id, { jobId: r.job_id, incarnation, level: highest([prev?.level, r.level]) ?? r.level });
    }
    return [...out.values()];
  }

  /**
   * Shares this creation of the job with a principal at `level` (replacing its previous level);
   * shares left from another creation of the job id are dropped in the same transaction.
   */
  async set(job: JobRef, principalId: string, level: ShareLevel, by: string | null, now = new Date()): Promise<void> {
    const at = now.toISOString();
    await this.k.transaction().execute(async (trx) => {
      await trx.deleteFrom('job_shares').where('job_id', '=', job.id).where('incarnation', '!=', stored(job)).execute();
      await trx
        .insertInto('job_shares')
        .values({ job_id: job.id, incarnation: stored(job), principal_id: principalId, level, created_at: at, created_by: by })
        .onConflict((oc) => oc.columns(['job_id', 'principal_id']).doUpdateSet({ level, created_at: at, created_by: by }))
        .execute();
    });
  }

  /** Whether there was a share (of this creation of the job) to remove. */
  async remove(job: JobRef, principalId: string): Promise<boolean> {
    const res = await this.k
      .deleteFrom('job_shares')
      .where('job_id', '=', job.id)
      .where('incarnation', '=', stored(job))
      .where('principal_id', '=', principalId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Forgets every share of a deleted job id (whatever creation of it they were made for). */
  async removeJob(jobId: string): Promise<void> {
    await this.k.deleteFrom('job_shares').where('job_id', '=', jobId).execute();
  }
}
