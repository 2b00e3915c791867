// Who a job is shared with, and how far: `<dataDir>/shares.json` (see core/files/locked-json.ts for
// why a data-dir file). Keys are canonical job ids and principal (user) ids.
import { z } from 'zod';
import { LockedJsonFile } from '../files/locked-json.ts';
import { own } from '../objects/own.ts';

/** 1 = read (see it), 2 = edit (also change and run it), 3 = share (also manage its shares). */
export const ACCESS_LEVELS = [1, 2, 3] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export const isAccessLevel = (n: unknown): n is AccessLevel => (ACCESS_LEVELS as readonly unknown[]).includes(n);

export interface Share {
  principalId: string;
  accessLevel: AccessLevel;
}

const Level = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const FileSchema = z.object({ version: z.literal(1), jobs: z.record(z.string(), z.record(z.string(), Level)) });
type FileData = z.infer<typeof FileSchema>;

export class ShareStore {
  private readonly doc: LockedJsonFile<FileData>;

  constructor(dataDir: string) {
    this.doc = new LockedJsonFile(dataDir, 'shares.json', FileSchema, () => ({ version: 1, jobs: {} }));
  }

  async sharesOf(jobId: string): Promise<Share[]> {
    const shares = own((await this.doc.read()).jobs, jobId) ?? {};
    return Object.entries(shares)
      .map(([principalId, accessLevel]) => ({ principalId, accessLevel }))
      .sort((a, b) => a.principalId.localeCompare(b.principalId));
  }

  /** Every job's shares, read once (for listings). */
  async all(): Promise<Map<string, Share[]>> {
    const jobs = (await this.doc.read()).jobs;
    return new Map(Object.entries(jobs).map(([jobId, shares]) => [jobId, Object.entries(shares).map(([principalId, accessLevel]) => ({ principalId, accessLevel }))]));
  }

  async levelOf(jobId: string, principalId: string): Promise<AccessLevel | undefined> {
    return own(own((await this.doc.read()).jobs, jobId), principalId);
  }

  /** Every job shared with a principal, with the level. */
  async sharedWith(principalId: string): Promise<{ jobId: string; accessLevel: AccessLevel }[]> {
    const jobs = (await this.doc.read()).jobs;
    const out: { jobId: string; accessLevel: AccessLevel }[] = [];
    for (const [jobId, shares] of Object.entries(jobs)) {
      const level = own(shares, principalId);
      if (level !== undefined) out.push({ jobId, accessLevel: level });
    }
    return out;
  }

  async set(jobId: string, principalId: string, accessLevel: AccessLevel): Promise<void> {
    await this.doc.update((d) => {
      d.jobs[jobId] = { ...own(d.jobs, jobId), [principalId]: accessLevel };
    });
  }

  /** Whether there was a share to remove. */
  async remove(jobId: string, principalId: string): Promise<boolean> {
    return await this.doc.update((d) => {
      const shares = own(d.jobs, jobId);
      if (!shares || own(shares, principalId) === undefined) return false;
      delete shares[principalId];
      if (Object.keys(shares).length === 0) delete d.jobs[jobId];
      return true;
    });
  }

  /** Forgets a deleted job's shares. */
  async removeJob(jobId: string): Promise<void> {
    await this.doc.update((d) => {
      delete d.jobs[jobId];
    });
  }
}
