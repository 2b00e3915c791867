// Each user's favorite jobs: `<dataDir>/favorites.json` (see core/files/locked-json.ts for why a
// data-dir file). Keys are principal (user) ids and canonical job ids.
import { z } from 'zod';
import { LockedJsonFile } from '../files/locked-json.ts';
import { own } from '../objects/own.ts';

const FileSchema = z.object({ version: z.literal(1), users: z.record(z.string(), z.array(z.string())) });
type FileData = z.infer<typeof FileSchema>;

export class FavoriteStore {
  private readonly doc: LockedJsonFile<FileData>;

  constructor(dataDir: string) {
    this.doc = new LockedJsonFile(dataDir, 'favorites.json', FileSchema, () => ({ version: 1, users: {} }));
  }

  async has(userId: string, jobId: string): Promise<boolean> {
    return (own((await this.doc.read()).users, userId) ?? []).includes(jobId);
  }

  async list(userId: string): Promise<string[]> {
    return own((await this.doc.read()).users, userId) ?? [];
  }

  /** Idempotent. */
  async add(userId: string, jobId: string): Promise<void> {
    await this.doc.update((d) => {
      const mine = own(d.users, userId) ?? [];
      if (!mine.includes(jobId)) d.users[userId] = [...mine, jobId];
    });
  }

  /** Idempotent. */
  async remove(userId: string, jobId: string): Promise<void> {
    await this.doc.update((d) => {
      const mine = (own(d.users, userId) ?? []).filter((id) => id !== jobId);
      if (mine.length > 0) d.users[userId] = mine;
      else delete d.users[userId];
    });
  }

  /** Forgets a deleted job in every user's favorites. */
  async removeJob(jobId: string): Promise<void> {
    await this.doc.update((d) => {
      for (const [user, ids] of Object.entries(d.users)) {
        const left = ids.filter((id) => id !== jobId);
        if (left.length > 0) d.users[user] = left;
        else delete d.users[user];
      }
    });
  }
}
