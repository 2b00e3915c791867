// Drafts: a copy of a job that can be edited safely and then committed over the job in one write.
// A draft is itself a Kairos job (a Temporal schedule, so it survives restarts and every API
// instance sees it at once) that can never fire: it is paused and has no triggers. What the job will
// become is kept verbatim in its extras (`extras.draft.input`), validated on every save exactly as a
// write of the job would be, and written over the job by `commit`. A job has at most one draft, at a
// derived id (`draft.<job id>`), so opening a draft twice returns the same one. Drafts carry the
// dialect `draft` (the KairosDialect search attribute), by which lists leave them out. A draft
// records the incarnation of the job it edits: one left from an earlier job with the same id (a
// crash before JobService.delete removed it) is ignored, never shown or committed over a new job.
import { createHash } from 'node:crypto';
import { conflict, KairosError } from '../errors.ts';
import type { JobRef } from '../jobs/attachments.ts';
import { JOB_ID_PATTERN, type Job } from '../jobs/model.ts';
import type { Actor, JobService, JobView } from '../jobs/service.ts';

export const DRAFT_DIALECT = 'draft';

/** The derived id of a job's draft (hashed when the job's own id is too long to prefix). */
export function draftIdFor(liveId: string): string {
  const id = `draft.${liveId}`;
  return JOB_ID_PATTERN.test(id) ? id : `draft.${createHash('sha256').update(liveId).digest('hex').slice(0, 40)}`;
}

interface DraftExtras {
  of: string;
  /** The incarnation of the job it edits (absent: a legacy job, or a draft from before incarnations). */
  incarnation?: string;
  input: Record<string, unknown>;
}

function draftExtras(job: Job): DraftExtras | undefined {
  if (job.extras['dialect'] !== DRAFT_DIALECT) return undefined;
  const d = job.extras['draft'] as Partial<DraftExtras> | undefined;
  if (!d || typeof d.of !== 'string' || typeof d.input !== 'object' || d.input === null) return undefined;
  return { of: d.of, input: d.input, ...(typeof d.incarnation === 'string' ? { incarnation: d.incarnation } : {}) };
}

/** What a draft will write over its job (its saved input); undefined for a job that is not a draft. */
export const draftInput = (job: Job): Record<string, unknown> | undefined => draftExtras(job)?.input;

/** The id of the job a draft edits; undefined for a job that is not a draft. */
export const draftOf = (job: Job): string | undefined => draftExtras(job)?.of;

/** The job a draft edits, as the creation it was opened for (its shares govern the draft); undefined for a job that is not a draft. */
export function draftTarget(job: Job): JobRef | undefined {
  const d = draftExtras(job);
  return d ? { id: d.of, incarnation: d.incarnation } : undefined;
}

/** The client-writable fields of a stored job (read-only ones, the incarnation too, left out). */
export function inputOf(job: Job): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, version: _v, incarnation: _i, ...input } = job;
  return input;
}

/** Drafts of another creation of a job id are removed as whoever may (the caller could not read them). */
const SYSTEM: Actor = { id: 'kairos:drafts', role: 'admin' };

const isNotFound = (err: unknown) => err instanceof KairosError && err.kind === 'not_found';

/** The draft as stored: the job's fields, but paused, with no triggers, and the intended input kept. */
function stored(live: JobRef, draftId: string, intended: Record<string, unknown>): Record<string, unknown> {
  const { maxRuns: _m, ...rest } = intended;
  const draft: DraftExtras = { of: live.id, ...(live.incarnation === undefined ? {} : { incarnation: live.incarnation }), input: intended };
  return { ...rest, id: draftId, triggers: [], enabled: false, extras: { dialect: DRAFT_DIALECT, draft } };
}

export class DraftService {
  constructor(private readonly jobs: JobService) {}

  /**
   * The draft of a job: a new one (created: true), or the one already open. `acting` must be allowed
   * to write the job (the caller checks permissions).
   */
  async open(live: JobView, acting: Actor): Promise<{ view: JobView; created: boolean }> {
    if (draftOf(live.job)) throw new KairosError('validation', 'a draft cannot be drafted', [{ path: 'id', message: 'is already a draft; edit it directly' }]);
    const draftId = draftIdFor(live.job.id);
    const intended = inputOf(live.job);
    try {
      return { view: await this.jobs.create(stored(live.job, draftId, intended), acting), created: true };
    } catch (err) {
      if (!(err instanceof KairosError && err.kind === 'conflict')) throw err;
    }
    const existing = await this.jobs.get(draftId, SYSTEM);
    const target = draftTarget(existing.job);
    if (target?.id === live.job.id && target.incarnation === live.job.incarnation) return { view: await this.jobs.get(draftId, acting), created: false };
    // Left from an earlier job with this id (or not a draft of it at all): it is not this job's.
    if (target?.id !== live.job.id) throw conflict(`job '${draftId}' exists and is not a draft of '${live.job.id}'`, [{ path: 'id', message: 'the draft id is taken' }]);
    await this.jobs.delete(draftId, SYSTEM);
    return { view: await this.jobs.create(stored(live.job, draftId, intended), acting), created: true };
  }

  /** Saves what the job will become; validated as a write of the job would be, so commit cannot fail on it. */
  async save(draft: JobView, intended: Record<string, unknown>, acting: Actor): Promise<JobView> {
    const of = this.liveIdOf(draft);
    this.jobs.validate({ ...intended, id: of });
    const target = draftTarget(draft.job) ?? { id: of };
    return await this.jobs.replace(draft.job.id, stored(target, draft.job.id, { ...intended, id: of }), acting, { expectedVersion: draft.job.version });
  }

  /** Writes the draft over its job and removes the draft; answers the job as written. */
  async commit(draft: JobView, acting: Actor): Promise<JobView> {
    const of = this.liveIdOf(draft);
    const intended = draftExtras(draft.job)?.input ?? {};
    const gone = () => conflict(`the job '${of}' this draft edits no longer exists`, [{ path: 'editingId', message: 'names a deleted job' }]);
    let live: JobView;
    try {
      live = await this.jobs.get(of, acting);
    } catch (err) {
      if (isNotFound(err)) throw gone();
      throw err;
    }
    // A draft of an earlier job with this id is never written over the new one.
    if (draftTarget(draft.job)?.incarnation !== live.job.incarnation) throw gone();
    // The job's owner may have changed since the draft was opened: the commit keeps the current one.
    const saved = await this.jobs.replace(of, { ...intended, id: of, ownerId: live.job.ownerId }, acting);
    await this.discard(draft.job.id, acting);
    return saved;
  }

  /** The draft shown as the job it will become (under the draft's own id; nothing scheduled). */
  viewOf(draft: JobView): JobView {
    const intended = draftExtras(draft.job)?.input ?? {};
    const job = { ...draft.job, ...(intended as Partial<Job>), id: draft.job.id, ownerId: draft.job.ownerId };
    return { job, state: { ...draft.state, enabled: job.enabled, nextRunAt: null, running: [] } };
  }

  /** Removes a draft; removing one that is gone already is not an error. */
  async discard(draftId: string, acting: Actor): Promise<void> {
    try {
      await this.jobs.delete(draftId, acting);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private liveIdOf(draft: JobView): string {
    const of = draftOf(draft.job);
    if (!of) throw new KairosError('validation', 'not a draft', [{ path: 'id', message: 'names a job, not a draft; open a draft with _edit first' }]);
    return of;
  }
}
