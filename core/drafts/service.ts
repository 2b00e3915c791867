// Drafts: a copy of a job that can be edited safely and then committed over the job in one write.
// A draft is itself a Kairos job (a Temporal schedule, so it survives restarts and every API
// instance sees it at once) that can never fire: it is paused and has no triggers. What the job will
// become is kept verbatim in its extras (`extras.draft.input`), validated on every save exactly as a
// write of the job would be, and written over the job by `commit`. A job has at most one draft, at a
// derived id (`draft.<job id>`), so opening a draft twice returns the same one. Drafts carry the
// dialect `draft` (the KairosDialect search attribute), by which lists leave them out.
import { createHash } from 'node:crypto';
import { conflict, KairosError } from '../errors.ts';
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
  input: Record<string, unknown>;
}

function draftExtras(job: Job): DraftExtras | undefined {
  if (job.extras['dialect'] !== DRAFT_DIALECT) return undefined;
  const d = job.extras['draft'] as Partial<DraftExtras> | undefined;
  if (!d || typeof d.of !== 'string' || typeof d.input !== 'object' || d.input === null) return undefined;
  return { of: d.of, input: d.input };
}

/** The id of the job a draft edits; undefined for a job that is not a draft. */
export const draftOf = (job: Job): string | undefined => draftExtras(job)?.of;

/** The client-writable fields of a stored job. */
export function inputOf(job: Job): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, version: _v, ...input } = job;
  return input;
}

const isNotFound = (err: unknown) => err instanceof KairosError && err.kind === 'not_found';

/** The draft as stored: the job's fields, but paused, with no triggers, and the intended input kept. */
function stored(liveId: string, draftId: string, intended: Record<string, unknown>): Record<string, unknown> {
  const { maxRuns: _m, ...rest } = intended;
  return { ...rest, id: draftId, triggers: [], enabled: false, extras: { dialect: DRAFT_DIALECT, draft: { of: liveId, input: intended } } };
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
      return { view: await this.jobs.create(stored(live.job.id, draftId, intended), acting), created: true };
    } catch (err) {
      if (!(err instanceof KairosError && err.kind === 'conflict')) throw err;
      return { view: await this.jobs.get(draftId, acting), created: false };
    }
  }

  /** Saves what the job will become; validated as a write of the job would be, so commit cannot fail on it. */
  async save(draft: JobView, intended: Record<string, unknown>, acting: Actor): Promise<JobView> {
    const of = this.liveIdOf(draft);
    this.jobs.validate({ ...intended, id: of });
    return await this.jobs.replace(draft.job.id, stored(of, draft.job.id, { ...intended, id: of }), acting, { expectedVersion: draft.job.version });
  }

  /** Writes the draft over its job and removes the draft; answers the job as written. */
  async commit(draft: JobView, acting: Actor): Promise<JobView> {
    const of = this.liveIdOf(draft);
    const intended = draftExtras(draft.job)?.input ?? {};
    let live: JobView;
    try {
      live = await this.jobs.get(of, acting);
    } catch (err) {
      if (isNotFound(err)) throw conflict(`the job '${of}' this draft edits no longer exists`, [{ path: 'editingId', message: 'names a deleted job' }]);
      throw err;
    }
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
