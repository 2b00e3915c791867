// Each user's favorite jobs, in the state store's `favorites` table (one row per user and job id),
// so every API instance sees the same ones. A favorite belongs to the creation of the job id it was
// made for (its incarnation, see core/jobs/attachments.ts; '' for a legacy job): favorites recorded
// for another creation are ignored, and dropped when the job is next favorited.
import { z } from 'zod';
import type { Db } from '../db/open.ts';
import type { LegacyImport } from '../db/legacy.ts';
import { belongsTo, incarnationOf, storedIncarnation, type JobRef } from '../jobs/attachments.ts';

/** A favorite of a job id, as recorded: which creation of the id it was made for. */
export interface Favorite {
  jobId: string;
  incarnation: string | undefined;
}

export class FavoriteStore {
  constructor(private readonly db: Db) {}

  async has(userId: string, job: JobRef): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom('favorites')
      .select('incarnation')
      .where('principal_id', '=', userId)
      .where('job_id', '=', job.id)
      .executeTakeFirst();
    return row !== undefined && belongsTo(incarnationOf(row.incarnation), job);
  }

  /** A user's favorites, oldest first, with the incarnation each was made for (compare it with the job: core/jobs/attachments.ts). */
  async list(userId: string): Promise<Favorite[]> {
    const rows = await this.db.kysely
      .selectFrom('favorites')
      .select(['job_id', 'incarnation'])
      .where('principal_id', '=', userId)
      .orderBy('created_at')
      .orderBy('job_id')
      .execute();
    return rows.map((r) => ({ jobId: r.job_id, incarnation: incarnationOf(r.incarnation) }));
  }

  /** Idempotent. Favorites left from another creation of the job id (by any user) are dropped first. */
  async add(userId: string, job: JobRef, now = new Date()): Promise<void> {
    const incarnation = storedIncarnation(job);
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('favorites').where('job_id', '=', job.id).where('incarnation', '<>', incarnation).execute();
      await trx
        .insertInto('favorites')
        .values({ principal_id: userId, job_id: job.id, incarnation, created_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['principal_id', 'job_id']).doNothing())
        .execute();
    });
  }

  /** Idempotent; a favorite made for another creation of the job id is left alone (it names nothing). */
  async remove(userId: string, job: JobRef): Promise<void> {
    await this.db.kysely.deleteFrom('favorites').where('principal_id', '=', userId).where('job_id', '=', job.id).where('incarnation', '=', storedIncarnation(job)).execute();
  }

  /** Forgets a deleted job in every user's favorites. */
  async removeJob(jobId: string): Promise<void> {
    await this.db.kysely.deleteFrom('favorites').where('job_id', '=', jobId).execute();
  }
}

const LegacyFile = z.object({
  version: z.literal(1),
  users: z.record(z.string(), z.array(z.string())),
  /** Job id → the incarnation its favorites were made for (absent: a legacy job's). */
  incarnations: z.record(z.string(), z.string()).optional(),
});

/** `<dataDir>/favorites.json`, as versions before the state store wrote it. */
export const favoritesImport: LegacyImport = {
  file: 'favorites.json',
  async run(trx, text, { now }) {
    const data = LegacyFile.parse(JSON.parse(text));
    const incarnations = new Map(Object.entries(data.incarnations ?? {}));
    for (const [userId, jobIds] of Object.entries(data.users)) {
      for (const jobId of jobIds) {
        await trx
          .insertInto('favorites')
          .values({ principal_id: userId, job_id: jobId, incarnation: incarnations.get(jobId) ?? '', created_at: now })
          .onConflict((oc) => oc.columns(['principal_id', 'job_id']).doNothing())
          .execute();
      }
    }
  },
};
