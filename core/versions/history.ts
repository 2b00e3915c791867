// The job service's history (core/jobs/service.ts JobHistory) over the version store, and the use
// cases of the versions endpoints: list, read and restore, each with the job's own access rules
// (whoever may read the job may read its versions; restoring is a write, with the write's checks).
import type { Actor, JobHistory, JobService, JobView, WriteOptions } from '../jobs/service.ts';
import { forbidden, notFound } from '../errors.ts';
import { noteAuditedJob } from '../audit/scope.ts';
import { draftInput, draftTarget } from '../drafts/service.ts';
import { JobInputSchema, type Job } from '../jobs/model.ts';
import type { JobVersion, VersionStore } from './store.ts';
import type { KeysetPage } from '../db/keyset.ts';

/** A version with its author's name (null for `system` repairs and deleted users), for people to read. */
export type NamedVersion = JobVersion & { authorName: string | null };

/** Records versions for the job service. A failure is reported, not thrown: the write it follows succeeded. */
export class VersionHistory implements JobHistory {
  constructor(
    readonly store: VersionStore,
    private readonly report: (err: unknown, what: string) => void,
  ) {}

  async written(job: Job, by: { authorId: string; surface: string }, previous?: Job): Promise<void> {
    noteAuditedJob(job.id);
    try {
      await this.store.record(job, by, previous);
    } catch (err) {
      // The schedule is written and stays the truth: the next read or write of the versions records it.
      this.report(err, `version of job '${job.id}' not recorded (repaired on the next read)`);
    }
  }

  /** Records a draft's saved input as what its commit would write: the job with the model's defaults. */
  async drafted(draft: Job, by: { authorId: string; surface: string }): Promise<void> {
    const target = draftTarget(draft);
    const parsed = target && JobInputSchema.safeParse({ ...draftInput(draft), id: target.id });
    // Saving validated it; anything else is not a draft the job service saved, and has no version.
    if (!target || !parsed?.success) return;
    noteAuditedJob(target.id);
    const spec = parsed.data;
    try {
      await this.store.recordDraft(target, { ...spec, id: target.id, name: spec.name ?? draft.name, ownerId: spec.ownerId ?? draft.ownerId }, by);
    } catch (err) {
      this.report(err, `draft version of job '${target.id}' not recorded`);
    }
  }

  async removed(job: Job): Promise<void> {
    noteAuditedJob(job.id);
    try {
      await this.store.close(job);
    } catch (err) {
      this.report(err, `versions of deleted job '${job.id}' not closed`);
    }
  }
}

/** The versions endpoints' use cases. */
export class JobVersions {
  constructor(
    private readonly jobs: JobService,
    private readonly store: VersionStore,
  ) {}

  /**
   * The live job's versions, newest first, after recording the live definition when the latest
   * version is not it (a crash between the schedule's write and its version's, or a write past the
   * service). A job the caller may not read is not found.
   */
  async list(id: string, actor: Actor, page: { pageSize: number; cursor?: string }): Promise<KeysetPage<NamedVersion>> {
    const live = await this.live(id, actor);
    return await this.named(await this.store.list(id, live.incarnation ?? '', page));
  }

  /**
   * The versions of every deleted creation of this job id (closed, kept for the audit), newest
   * first. Admins only; whether the id is live now does not matter.
   */
  async listClosed(id: string, actor: Actor, page: { pageSize: number; cursor?: string }): Promise<KeysetPage<NamedVersion>> {
    if (actor.role !== 'admin') throw forbidden('only an admin may read the versions of deleted jobs');
    return await this.named(await this.store.listClosed(id, page));
  }

  async get(id: string, version: number, actor: Actor): Promise<NamedVersion> {
    const live = await this.live(id, actor);
    const v = await this.store.get(id, live.incarnation ?? '', version);
    if (!v) throw notFound(`version ${version} of job`, id);
    return (await this.named({ items: [v], nextCursor: null })).items[0] ?? { ...v, authorName: null };
  }

  /** The page with its authors' names (one query for the page). */
  private async named(page: KeysetPage<JobVersion>): Promise<KeysetPage<NamedVersion>> {
    const names = await this.store.authorNames(page.items.flatMap((v) => (v.authorId === null ? [] : [v.authorId])));
    return { ...page, items: page.items.map((v) => ({ ...v, authorName: v.authorId === null ? null : (names.get(v.authorId) ?? null) })) };
  }

  /**
   * Writes a version's definition back as the live job, through the job service (its access and
   * validation checks, If-Match), which records it as a new version. The owner stays the current
   * one: ownership is changed by a transfer, not by going back in history.
   */
  async restore(id: string, version: number, actor: Actor, opts: WriteOptions = {}): Promise<JobView> {
    const v = await this.get(id, version, actor);
    const { ownerId: _o, ...definition } = v.definition;
    return await this.jobs.replace(id, definition, actor, opts);
  }

  private async live(id: string, actor: Actor): Promise<Job> {
    const { job } = await this.jobs.get(id, actor);
    await this.store.repair(job);
    return job;
  }
}
