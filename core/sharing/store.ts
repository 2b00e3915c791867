// Who a job is shared with, and how far: `<dataDir>/shares.json` (see core/files/locked-json.ts for
// why a data-dir file). Keys are canonical job ids and principal (user) ids. A job's shares belong to
// the creation of the job id they were made for (`incarnations`, see core/jobs/attachments.ts):
// shares recorded for another one are ignored and replaced by the next share. Files written before
// incarnations have none and still load (their shares belong to legacy jobs only).
import { z } from 'zod';
import { belongsTo, type JobRef } from '../jobs/attachments.ts';
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
const FileSchema = z.object({
  version: z.literal(1),
  jobs: z.record(z.string(), z.record(z.string(), Level)),
  /** Job id → the incarnation its shares were made for (absent: a legacy job's). */
  incarnations: z.record(z.string(), z.string()).optional(),
});
type FileData = z.infer<typeof FileSchema>;

/** The shares recorded for this creation of the job (none if they were made for another). */
function sharesFor(d: FileData, job: JobRef): Record<string, AccessLevel> | undefined {
  return belongsTo(own(d.incarnations ?? {}, job.id), job) ? own(d.jobs, job.id) : undefined;
}

function toList(shares: Record<string, AccessLevel> | undefined): Share[] {
  return Object.entries(shares ?? {})
    .map(([principalId, accessLevel]) => ({ principalId, accessLevel }))
    .sort((a, b) => a.principalId.localeCompare(b.principalId));
}

/** Every job's shares, read once (for listings). */
export interface ShareIndex {
  of(job: JobRef): Share[];
}

export class ShareStore {
  private readonly doc: LockedJsonFile<FileData>;

  constructor(dataDir: string) {
    this.doc = new LockedJsonFile(dataDir, 'shares.json', FileSchema, () => ({ version: 1, jobs: {} }));
  }

  async sharesOf(job: JobRef): Promise<Share[]> {
    return toList(sharesFor(await this.doc.read(), job));
  }

  /** Every job's shares, read once (for listings). */
  async all(): Promise<ShareIndex> {
    const d = await this.doc.read();
    return { of: (job) => toList(sharesFor(d, job)) };
  }

  async levelOf(job: JobRef, principalId: string): Promise<AccessLevel | undefined> {
    return own(sharesFor(await this.doc.read(), job), principalId);
  }

  /**
   * Every job shared with a principal, with the level and the incarnation the share was made for
   * (callers compare it with the job they read: see core/jobs/attachments.ts).
   */
  async sharedWith(principalId: string): Promise<{ jobId: string; incarnation: string | undefined; accessLevel: AccessLevel }[]> {
    const d = await this.doc.read();
    const out: { jobId: string; incarnation: string | undefined; accessLevel: AccessLevel }[] = [];
    for (const [jobId, shares] of Object.entries(d.jobs)) {
      const level = own(shares, principalId);
      if (level !== undefined) out.push({ jobId, incarnation: own(d.incarnations ?? {}, jobId), accessLevel: level });
    }
    return out;
  }

  /** Shares this creation of the job; shares left from another creation of its id are dropped. */
  async set(job: JobRef, principalId: string, accessLevel: AccessLevel): Promise<void> {
    await this.doc.update((d) => {
      const current = sharesFor(d, job) ?? {};
      d.jobs[job.id] = { ...current, [principalId]: accessLevel };
      const incarnations = { ...d.incarnations };
      if (job.incarnation === undefined) delete incarnations[job.id];
      else incarnations[job.id] = job.incarnation;
      d.incarnations = incarnations;
    });
  }

  /** Whether there was a share (of this creation of the job) to remove. */
  async remove(job: JobRef, principalId: string): Promise<boolean> {
    return await this.doc.update((d) => {
      const shares = sharesFor(d, job);
      if (!shares || own(shares, principalId) === undefined) return false;
      delete shares[principalId];
      if (Object.keys(shares).length === 0) forget(d, job.id);
      return true;
    });
  }

  /** Forgets a deleted job's shares. */
  async removeJob(jobId: string): Promise<void> {
    await this.doc.update((d) => forget(d, jobId));
  }
}

function forget(d: FileData, jobId: string): void {
  delete d.jobs[jobId];
  if (d.incarnations) delete d.incarnations[jobId];
}
