// Job versions: every change to a job's definition, by any surface, in the state store. A version
// belongs to one creation of a job id (its incarnation) and is numbered 1, 2, … within it; it keeps
// the definition as stored (without the fields that change on every write) and an RFC 6902 JSON
// Patch from the previous version. Temporal stays the truth for the live definition: when the latest
// recorded version differs from the live job (the process stopped between writing the schedule and
// writing its version, or something wrote the schedule past the job service), a version by surface
// `system` records the live definition first. Deleting a job closes its versions; they stay.
import { createPatch, type Operation } from 'rfc6902';
import type { Db } from '../db/open.ts';
import type { JobVersionRow, VersionState } from '../db/schema.ts';
import { validationError } from '../errors.ts';
import type { Job } from '../jobs/model.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';

/** The surface a version was made through; `system` for a repair. */
export type VersionSurface = 'v1' | 'dapr' | 'fusion' | 'voltmx' | 'informer' | 'cluedin' | 'ui' | 'system';

/** A job's definition: the job as stored, without what changes on every write or is not the job's to choose. */
export type Definition = Record<string, unknown>;

/** One version as the API shows it. */
export interface JobVersion {
  jobId: string;
  /** The creation of the job id this version belongs to ('' for a legacy job). */
  incarnation: string;
  version: number;
  state: VersionState;
  authorId: string | null;
  surface: string;
  createdAt: string;
  definition: Definition;
  /** RFC 6902 JSON Patch from the previous version's definition to this one; [] for the first. */
  diff: Operation[];
}

/** Who made a change, and through which surface. */
export interface VersionAuthor {
  authorId: string | null;
  surface: string;
}

/** The job as a definition: bookkeeping (times, the write counter, the incarnation) left out. */
export function definitionOf(job: Job): Definition {
  const { createdAt: _c, updatedAt: _u, version: _v, incarnation: _i, ...definition } = job;
  return definition;
}

const incarnationOf = (job: Pick<Job, 'incarnation'>): string => job.incarnation ?? '';

/** A unique-key violation on either backend (a concurrent writer took the version number). */
function isDuplicate(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}

function toVersion(row: JobVersionRow): JobVersion {
  return {
    jobId: row.job_id,
    incarnation: row.incarnation,
    version: row.version,
    state: row.state,
    authorId: row.author_id,
    surface: row.surface,
    createdAt: row.created_at,
    definition: JSON.parse(row.definition) as Definition,
    diff: JSON.parse(row.diff) as Operation[],
  };
}

/** Version pages: newest first, the cursor names the last version shown. */
export type VersionPage = KeysetPage<JobVersion>;

function decodeCursor(cursor: string): number {
  const m = /^v:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw validationError('invalid page', [{ path: 'cursor', message: 'is not a cursor of this list' }]);
  return Number(m[1]);
}

function decodeClosedCursor(cursor: string): { at: string; incarnation: string; version: number } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' && Number.isInteger(v[2])) return { at: v[0], incarnation: v[1], version: v[2] as number };
  } catch {
    // not JSON: the error below
  }
  throw validationError('invalid page', [{ path: 'cursor', message: 'is not a cursor of this list' }]);
}

/** What a write of versions sees and does, inside its transaction (VersionStore.writing). */
interface VersionWriter {
  /** The latest applied (or closed) definition. */
  applied: Definition | undefined;
  /** The latest version, when it is a draft. */
  draft: { version: number; definition: Definition } | undefined;
  insert(state: 'applied' | 'draft', definition: Definition, by: VersionAuthor): Promise<number>;
  /** Makes the draft `version` the applied one, by `by`, now. */
  apply(version: number, definition: Definition, by: VersionAuthor): Promise<number>;
}

/** Whether two definitions are equal (as JSON: key order does not matter). */
const same = (a: Definition | undefined, b: Definition): boolean => a !== undefined && createPatch(a, b).length === 0;

export class VersionStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records `job` as its next version when its definition differs from the latest applied one
   * (a write that changed nothing — pausing a paused job — makes none). `previous` is the live job
   * the write replaced: when the latest recorded version is not it, a `system` version records it
   * first, so that the diff of this one is the change this write made. A write of exactly what the
   * latest version, a draft, holds (Informer's commit) applies that draft: it becomes the applied
   * version, by the committer. Returns the version's number, or undefined when nothing changed.
   */
  async record(job: Job, author: VersionAuthor, previous?: Job): Promise<number | undefined> {
    const ref = { id: job.id, incarnation: incarnationOf(job) };
    return await this.writing(ref, async (w) => {
      if (previous && incarnationOf(previous) === ref.incarnation) {
        const before = definitionOf(previous);
        if (w.applied === undefined || !same(w.applied, before)) await w.insert('applied', before, { authorId: null, surface: 'system' });
      }
      const definition = definitionOf(job);
      if (w.applied !== undefined && same(w.applied, definition)) return undefined;
      if (w.draft && same(w.draft.definition, definition)) return await w.apply(w.draft.version, definition, author);
      return await w.insert('applied', definition, author);
    });
  }

  /**
   * Records a draft's saved input (what the job will become once committed) as a version in state
   * `draft`, its diff from the latest applied version. Nothing when it equals the latest version.
   */
  async recordDraft(ref: { id: string; incarnation?: string }, definition: Definition, author: VersionAuthor): Promise<number | undefined> {
    return await this.writing({ id: ref.id, incarnation: ref.incarnation ?? '' }, async (w) => {
      if (same(w.draft?.definition ?? w.applied, definition)) return undefined;
      return await w.insert('draft', definition, author);
    });
  }

  /**
   * Runs `work` in a transaction that knows the job's latest applied definition, its latest version
   * if that is a draft, and the next number. A concurrent writer of the same job may take the number
   * between the read and the insert (PostgreSQL reads committed; SQLite's immediate transactions
   * already serialize): then it all runs again.
   */
  private async writing<T>(ref: { id: string; incarnation: string }, work: (w: VersionWriter) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.kysely.transaction().execute(async (trx) => {
          const rows = trx.selectFrom('job_versions').selectAll().where('job_id', '=', ref.id).where('incarnation', '=', ref.incarnation).orderBy('version', 'desc').limit(1);
          const top = await rows.executeTakeFirst();
          const applied = top?.state === 'draft' ? await rows.where('state', '!=', 'draft').executeTakeFirst() : top;
          const at = this.now().toISOString();
          let number = top?.version ?? 0;
          const w: VersionWriter = {
            applied: applied ? (JSON.parse(applied.definition) as Definition) : undefined,
            draft: top?.state === 'draft' ? { version: top.version, definition: JSON.parse(top.definition) as Definition } : undefined,
            insert: async (state, definition, by) => {
              number += 1;
              await trx
                .insertInto('job_versions')
                .values({
                  job_id: ref.id,
                  incarnation: ref.incarnation,
                  version: number,
                  state,
                  author_id: by.authorId,
                  surface: by.surface,
                  created_at: at,
                  definition: JSON.stringify(definition),
                  diff: JSON.stringify(w.applied === undefined ? [] : createPatch(w.applied, definition)),
                })
                .execute();
              if (state === 'applied') {
                w.applied = definition;
                w.draft = undefined;
              }
              return number;
            },
            apply: async (version, definition, by) => {
              await trx
                .updateTable('job_versions')
                .set({ state: 'applied', author_id: by.authorId, surface: by.surface, created_at: at, diff: JSON.stringify(w.applied === undefined ? [] : createPatch(w.applied, definition)) })
                .where('job_id', '=', ref.id)
                .where('incarnation', '=', ref.incarnation)
                .where('version', '=', version)
                .execute();
              return version;
            },
          };
          return await work(w);
        });
      } catch (err) {
        if (attempt < 5 && isDuplicate(err)) continue;
        throw err;
      }
    }
  }

  /** Records the live job as a `system` version when the latest recorded one is not it (see the file comment). */
  async repair(live: Job): Promise<void> {
    await this.record(live, { authorId: null, surface: 'system' });
  }

  /** A page of one incarnation's versions, newest first. */
  async list(jobId: string, incarnation: string, page: { pageSize: number; cursor?: string }): Promise<VersionPage> {
    let q = this.db.kysely.selectFrom('job_versions').selectAll().where('job_id', '=', jobId).where('incarnation', '=', incarnation);
    if (page.cursor) q = q.where('version', '<', decodeCursor(page.cursor));
    const rows = await q
      .orderBy('version', 'desc')
      .limit(page.pageSize + 1)
      .execute();
    return keysetPage(rows, page.pageSize, toVersion, (last) => `v:${last.version}`);
  }

  /**
   * A page of the closed versions of every deleted creation of a job id (for admins), newest first.
   * The cursor names the last one shown by its time, incarnation and number.
   */
  async listClosed(jobId: string, page: { pageSize: number; cursor?: string }): Promise<VersionPage> {
    let q = this.db.kysely.selectFrom('job_versions').selectAll().where('job_id', '=', jobId).where('state', '=', 'closed');
    if (page.cursor) {
      const c = decodeClosedCursor(page.cursor);
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', c.at),
          eb.and([eb('created_at', '=', c.at), eb.or([eb('incarnation', '<', c.incarnation), eb.and([eb('incarnation', '=', c.incarnation), eb('version', '<', c.version)])])]),
        ]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('incarnation', 'desc')
      .orderBy('version', 'desc')
      .limit(page.pageSize + 1)
      .execute();
    return keysetPage(rows, page.pageSize, toVersion, (last) => JSON.stringify([last.createdAt, last.incarnation, last.version]));
  }

  /** The names of those of `ids` that are principals still (a deleted user's versions keep only the id). */
  async authorNames(ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.db.kysely.selectFrom('principals').select(['id', 'name']).where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** One version, or undefined. */
  async get(jobId: string, incarnation: string, version: number): Promise<JobVersion | undefined> {
    const row = await this.db.kysely
      .selectFrom('job_versions')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('incarnation', '=', incarnation)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toVersion(row) : undefined;
  }

  /** Closes the versions of a deleted job's creation: they stay, read-only, for admins. Returns how many. */
  async close(job: Pick<Job, 'id' | 'incarnation'>): Promise<number> {
    const r = await this.db.kysely
      .updateTable('job_versions')
      .set({ state: 'closed' })
      .where('job_id', '=', job.id)
      .where('incarnation', '=', incarnationOf(job))
      .where('state', '!=', 'closed')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
