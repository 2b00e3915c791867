// Each user's favorite jobs: `<dataDir>/favorites.json` (see core/files/locked-json.ts for why a
// data-dir file). Keys are principal (user) ids and canonical job ids. A job's favorites belong to
// the creation of the job id they were made for (`incarnations`, see core/jobs/attachments.ts):
// favorites recorded for another one are ignored, and dropped when the job is next favorited.
// Files written before incarnations have none and still load (legacy jobs' favorites).
import { z } from 'zod';
import { belongsTo, type JobRef } from '../jobs/attachments.ts';
import { LockedJsonFile } from '../files/locked-json.ts';
import { own } from '../objects/own.ts';

const FileSchema = z.object({
  version: z.literal(1),
  users: z.record(z.string(), z.array(z.string())),
  /** Job id → the incarnation its favorites were made for (absent: a legacy job's). */
  incarnations: z.record(z.string(), z.string()).optional(),
});
type FileData = z.infer<typeof FileSchema>;

/** A favorite of a job id, as recorded: which creation of the id it was made for. */
export interface Favorite {
  jobId: string;
  incarnation: string | undefined;
}

export class FavoriteStore {
  private readonly doc: LockedJsonFile<FileData>;

  constructor(dataDir: string) {
    this.doc = new LockedJsonFile(dataDir, 'favorites.json', FileSchema, () => ({ version: 1, users: {} }));
  }

  async has(userId: string, job: JobRef): Promise<boolean> {
    const d = await this.doc.read();
    return belongsTo(own(d.incarnations ?? {}, job.id), job) && (own(d.users, userId) ?? []).includes(job.id);
  }

  /** A user's favorites with the incarnation each was made for (compare it with the job: core/jobs/attachments.ts). */
  async list(userId: string): Promise<Favorite[]> {
    const d = await this.doc.read();
    return (own(d.users, userId) ?? []).map((jobId) => ({ jobId, incarnation: own(d.incarnations ?? {}, jobId) }));
  }

  /** Idempotent. Favorites left from another creation of the job id are dropped first. */
  async add(userId: string, job: JobRef): Promise<void> {
    await this.doc.update((d) => {
      if (!belongsTo(own(d.incarnations ?? {}, job.id), job)) {
        dropJob(d, job.id);
        if (job.incarnation !== undefined) d.incarnations = { ...d.incarnations, [job.id]: job.incarnation };
      }
      const mine = own(d.users, userId) ?? [];
      if (!mine.includes(job.id)) d.users[userId] = [...mine, job.id];
    });
  }

  /** Idempotent. */
  async remove(userId: string, job: JobRef): Promise<void> {
    await this.doc.update((d) => {
      if (!belongsTo(own(d.incarnations ?? {}, job.id), job)) return;
      const mine = (own(d.users, userId) ?? []).filter((id) => id !== job.id);
      if (mine.length > 0) d.users[userId] = mine;
      else delete d.users[userId];
    });
  }

  /** Forgets a deleted job in every user's favorites. */
  async removeJob(jobId: string): Promise<void> {
    await this.doc.update((d) => dropJob(d, jobId));
  }
}

function dropJob(d: FileData, jobId: string): void {
  for (const [user, ids] of Object.entries(d.users)) {
    const left = ids.filter((id) => id !== jobId);
    if (left.length > 0) d.users[user] = left;
    else delete d.users[user];
  }
  if (d.incarnations) delete d.incarnations[jobId];
}
