// Natural ids: `<owner>:<slug>` names a job, slugs unique per owner. `<dataDir>/natural-ids.json`
// maps (owner id, slug) to the canonical job id, so that addressing a job by its natural id is one
// file read plus one direct read of the schedule (a visibility query could miss a fresh write).
// See core/files/locked-json.ts for why a data-dir file. An entry whose job was deleted elsewhere
// (the native API) is stale: readers confirm the job and `release` what they find gone. A job's
// natural ids belong to the creation of the job id they were made for (`incarnations`, see
// core/jobs/attachments.ts): readers ignore one made for another. Files written before
// incarnations have none and still load (legacy jobs' natural ids).
import { z } from 'zod';
import { belongsTo, type JobRef } from '../jobs/attachments.ts';
import { LockedJsonFile } from '../files/locked-json.ts';
import { own } from '../objects/own.ts';
import { trimChar, trimEndChar } from '../text.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

const FileSchema = z.object({
  version: z.literal(1),
  owners: z.record(z.string(), z.record(z.string(), z.string())),
  /** Job id → the incarnation its natural ids were made for (absent: a legacy job's, or one not created yet). */
  incarnations: z.record(z.string(), z.string()).optional(),
});
type FileData = z.infer<typeof FileSchema>;

/** A natural id's job: its id and the incarnation the natural id was made for. */
export interface NamedJob {
  id: string;
  incarnation: string | undefined;
}

/** Every job's natural id, read once (for listings). */
export interface NaturalIdIndex {
  /** The natural id made for this creation of the job, if any. */
  of(job: JobRef): { ownerId: string; slug: string } | undefined;
}

/** A slug from free text: lower-case letters, digits and single dashes. */
export function slugify(text: string): string {
  const dashed = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return trimEndChar(trimChar(dashed, '-').slice(0, 90), '-') || 'job';
}

function freeSlug(taken: Record<string, string>, base: string, jobId: string): string {
  const holder = (slug: string) => own(taken, slug);
  if (holder(base) === undefined || holder(base) === jobId) return base;
  for (let n = 2; ; n++) {
    const s = `${base}-${n}`;
    if (holder(s) === undefined || holder(s) === jobId) return s;
  }
}

export class NaturalIdStore {
  private readonly doc: LockedJsonFile<FileData>;

  constructor(dataDir: string) {
    this.doc = new LockedJsonFile(dataDir, 'natural-ids.json', FileSchema, () => ({ version: 1, owners: {} }));
  }

  /** The job a natural id names, with the incarnation it was made for (callers confirm it against the job). */
  async lookup(ownerId: string, slug: string): Promise<NamedJob | undefined> {
    const d = await this.doc.read();
    const id = own(own(d.owners, ownerId), slug);
    return id === undefined ? undefined : { id, incarnation: own(d.incarnations ?? {}, id) };
  }

  /** Every job's natural id, read once (for listings). */
  async all(): Promise<NaturalIdIndex> {
    const d = await this.doc.read();
    const byJob = new Map<string, { ownerId: string; slug: string }>();
    for (const [ownerId, slugs] of Object.entries(d.owners)) for (const [slug, jobId] of Object.entries(slugs)) byJob.set(jobId, { ownerId, slug });
    return { of: (job) => (belongsTo(own(d.incarnations ?? {}, job.id), job) ? byJob.get(job.id) : undefined) };
  }

  /**
   * Gives the job the slug `base` under its owner, or `base-2`, `base-3`, … when taken (as Informer
   * does), and returns the slug given. Any slug the job held under that owner is released, and any
   * natural id left from another creation of the job id is dropped. A job not created yet is
   * reserved without an incarnation; reserving again once created records it.
   */
  async reserve(ownerId: string, base: string, job: JobRef): Promise<string> {
    const jobId = job.id;
    return await this.doc.update((d) => {
      if (!belongsTo(own(d.incarnations ?? {}, jobId), job)) {
        dropJob(d, jobId);
        if (job.incarnation !== undefined) d.incarnations = { ...d.incarnations, [jobId]: job.incarnation };
      }
      const mine = own(d.owners, ownerId) ?? {};
      d.owners[ownerId] = mine;
      for (const [s, id] of Object.entries(mine)) if (id === jobId && s !== base) delete mine[s];
      const slug = freeSlug(mine, base, jobId);
      mine[slug] = jobId;
      return slug;
    });
  }

  /** Forgets every natural id of a job (deleted), or those under one owner (moved to another owner). */
  async release(jobId: string, ownerId?: string): Promise<void> {
    await this.doc.update((d) => dropJob(d, jobId, ownerId));
  }
}

function dropJob(d: FileData, jobId: string, ownerId?: string): void {
  for (const [owner, slugs] of Object.entries(d.owners)) {
    if (ownerId !== undefined && owner !== ownerId) continue;
    for (const [s, id] of Object.entries(slugs)) if (id === jobId) delete slugs[s];
    if (Object.keys(slugs).length === 0) delete d.owners[owner];
  }
  if (ownerId === undefined && d.incarnations) delete d.incarnations[jobId];
}
