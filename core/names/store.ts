// Natural ids: `<owner>:<slug>` names a job, slugs unique per owner. `<dataDir>/natural-ids.json`
// maps (owner id, slug) to the canonical job id, so that addressing a job by its natural id is one
// file read plus one direct read of the schedule (a visibility query could miss a fresh write).
// See core/files/locked-json.ts for why a data-dir file. An entry whose job was deleted elsewhere
// (the native API) is stale: readers confirm the job and `release` what they find gone.
import { z } from 'zod';
import { LockedJsonFile } from '../files/locked-json.ts';
import { own } from '../objects/own.ts';
import { trimChar, trimEndChar } from '../text.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

const FileSchema = z.object({ version: z.literal(1), owners: z.record(z.string(), z.record(z.string(), z.string())) });
type FileData = z.infer<typeof FileSchema>;

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

  async lookup(ownerId: string, slug: string): Promise<string | undefined> {
    return own(own((await this.doc.read()).owners, ownerId), slug);
  }

  /** Every job's natural id, read once (for listings): job id → {ownerId, slug}. */
  async all(): Promise<Map<string, { ownerId: string; slug: string }>> {
    const out = new Map<string, { ownerId: string; slug: string }>();
    for (const [ownerId, slugs] of Object.entries((await this.doc.read()).owners)) for (const [slug, jobId] of Object.entries(slugs)) out.set(jobId, { ownerId, slug });
    return out;
  }

  /**
   * Gives the job the slug `base` under its owner, or `base-2`, `base-3`, … when taken (as Informer
   * does), and returns the slug given. Any slug the job held under that owner is released.
   */
  async reserve(ownerId: string, base: string, jobId: string): Promise<string> {
    return await this.doc.update((d) => {
      const mine = own(d.owners, ownerId) ?? {};
      d.owners[ownerId] = mine;
      for (const [s, id] of Object.entries(mine)) if (id === jobId && s !== base) delete mine[s];
      const slug = freeSlug(mine, base, jobId);
      mine[slug] = jobId;
      return slug;
    });
  }

  /** Forgets every natural id of a job (deleted, or moved to another owner). */
  async release(jobId: string, ownerId?: string): Promise<void> {
    await this.doc.update((d) => {
      for (const [owner, slugs] of Object.entries(d.owners)) {
        if (ownerId !== undefined && owner !== ownerId) continue;
        for (const [s, id] of Object.entries(slugs)) if (id === jobId) delete slugs[s];
        if (Object.keys(slugs).length === 0) delete d.owners[owner];
      }
    });
  }
}
