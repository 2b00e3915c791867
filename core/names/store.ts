// Natural ids: `<owner>:<slug>` names a job, slugs unique per owner. The state store's `natural_ids`
// table maps (owner id, slug) to the canonical job id (its primary key: two claims of one slug cannot
// both win), so that addressing a job by its natural id is one row read plus one direct read of the
// schedule (a visibility query could miss a fresh write). An entry whose job was deleted elsewhere
// (the native API) is stale: readers confirm the job and `release` what they find gone. A job's
// natural ids belong to the creation of the job id they were made for (its incarnation, see
// core/jobs/attachments.ts; '' for a legacy job, or one not created yet): readers ignore one made
// for another.
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { Db } from '../db/open.ts';
import type { LegacyImport } from '../db/legacy.ts';
import type { Tables } from '../db/schema.ts';
import { belongsTo, incarnationOf, storedIncarnation, type JobRef } from '../jobs/attachments.ts';
import { trimChar, trimEndChar } from '../text.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

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

/** `base`, `base-2`, `base-3`, … */
const candidate = (base: string, n: number): string => (n === 1 ? base : `${base}-${n}`);

export class NaturalIdStore {
  constructor(private readonly db: Db) {}

  /** The job a natural id names, with the incarnation it was made for (callers confirm it against the job). */
  async lookup(ownerId: string, slug: string): Promise<NamedJob | undefined> {
    const row = await this.db.kysely.selectFrom('natural_ids').select(['job_id', 'incarnation']).where('owner_id', '=', ownerId).where('slug', '=', slug).executeTakeFirst();
    return row && { id: row.job_id, incarnation: incarnationOf(row.incarnation) };
  }

  /** Every job's natural id, read once (for listings). */
  async all(): Promise<NaturalIdIndex> {
    const rows = await this.db.kysely.selectFrom('natural_ids').select(['owner_id', 'slug', 'job_id', 'incarnation']).orderBy('owner_id').orderBy('slug').execute();
    const byJob = new Map<string, { ownerId: string; slug: string; incarnation: string | undefined }>();
    for (const r of rows) byJob.set(r.job_id, { ownerId: r.owner_id, slug: r.slug, incarnation: incarnationOf(r.incarnation) });
    return {
      of: (job) => {
        const hit = byJob.get(job.id);
        return hit && belongsTo(hit.incarnation, job) ? { ownerId: hit.ownerId, slug: hit.slug } : undefined;
      },
    };
  }

  /**
   * Gives the job the slug `base` under its owner, or `base-2`, `base-3`, … when taken (as Informer
   * does), and returns the slug given. Any slug the job held under that owner is released, and any
   * natural id left from another creation of the job id is dropped. A job not created yet is
   * reserved without an incarnation; reserving again once created records it. Concurrent claims of
   * one slug for different jobs get different slugs: the row's primary key decides.
   */
  async reserve(ownerId: string, base: string, job: JobRef): Promise<string> {
    const incarnation = storedIncarnation(job);
    return await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('natural_ids').where('job_id', '=', job.id).where('incarnation', '<>', incarnation).execute();
      await trx.deleteFrom('natural_ids').where('owner_id', '=', ownerId).where('job_id', '=', job.id).where('slug', '<>', base).execute();
      const taken = await takenSlugs(trx, ownerId, base);
      for (let n = 1; ; n++) {
        const slug = candidate(base, n);
        const holder = taken.get(slug);
        if (holder === job.id) return slug;
        if (holder !== undefined) continue;
        // Another transaction may have claimed it since the read: then nothing is inserted (on
        // PostgreSQL this waits for that transaction), and its holder decides.
        const inserted = await trx
          .insertInto('natural_ids')
          .values({ owner_id: ownerId, slug, job_id: job.id, incarnation })
          .onConflict((oc) => oc.columns(['owner_id', 'slug']).doNothing())
          .returning('slug')
          .executeTakeFirst();
        if (inserted) return slug;
        const now = await trx.selectFrom('natural_ids').select('job_id').where('owner_id', '=', ownerId).where('slug', '=', slug).executeTakeFirst();
        if (now?.job_id === job.id) return slug;
        if (now) taken.set(slug, now.job_id);
        else n--; // released again meanwhile: try it once more
      }
    });
  }

  /** Forgets every natural id of a job (deleted), or those under one owner (moved to another owner). */
  async release(jobId: string, ownerId?: string): Promise<void> {
    let q = this.db.kysely.deleteFrom('natural_ids').where('job_id', '=', jobId);
    if (ownerId !== undefined) q = q.where('owner_id', '=', ownerId);
    await q.execute();
  }
}

/** The slugs `base` and `base-…` under an owner, with the job holding each. */
async function takenSlugs(trx: Transaction<Tables>, ownerId: string, base: string): Promise<Map<string, string>> {
  const rows = await trx
    .selectFrom('natural_ids')
    .select(['slug', 'job_id'])
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.or([eb('slug', '=', base), eb(eb.fn('substr', ['slug', eb.val(1), eb.val(base.length + 1)]), '=', `${base}-`)]))
    .execute();
  return new Map(rows.map((r) => [r.slug, r.job_id]));
}

const LegacyFile = z.object({
  version: z.literal(1),
  owners: z.record(z.string(), z.record(z.string(), z.string())),
  /** Job id → the incarnation its natural ids were made for (absent: a legacy job's, or one not created yet). */
  incarnations: z.record(z.string(), z.string()).optional(),
});

/** `<dataDir>/natural-ids.json`, as versions before the state store wrote it. */
export const naturalIdsImport: LegacyImport = {
  file: 'natural-ids.json',
  async run(trx, text) {
    const data = LegacyFile.parse(JSON.parse(text));
    const incarnations = new Map(Object.entries(data.incarnations ?? {}));
    for (const [ownerId, slugs] of Object.entries(data.owners)) {
      for (const [slug, jobId] of Object.entries(slugs)) {
        await trx
          .insertInto('natural_ids')
          .values({ owner_id: ownerId, slug, job_id: jobId, incarnation: incarnations.get(jobId) ?? '' })
          .onConflict((oc) => oc.columns(['owner_id', 'slug']).doNothing())
          .execute();
      }
    }
  },
};
