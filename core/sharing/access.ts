// What a principal may do with a job: owners and admins everything; others what the job's share
// gives them (1 read, 2 edit and run, 3 also share); deleting stays with the owner and admins.
// A job nobody may read answers not_found, as JobService does, so ids cannot be probed. A draft is
// governed by the shares of the job it edits. Once allowed, work on another owner's job is done
// as that owner (`acting`), so the job service's own ownership rules hold unchanged. Shares belong
// to one creation of a job id (its incarnation): a leftover share never opens a re-created job.
import { forbidden, KairosError, notFound, validationError } from '../errors.ts';
import type { JobSummary } from '../jobs/model.ts';
import { dialectOf } from '../jobs/schedule-mapping.ts';
import type { Actor, JobService, JobView } from '../jobs/service.ts';
import { draftTarget } from '../drafts/service.ts';
import { belongsTo } from '../jobs/attachments.ts';
import type { AccessLevel, ShareStore } from './store.ts';

export interface Permissions {
  read: boolean;
  edit: boolean;
  run: boolean;
  share: boolean;
  delete: boolean;
}
export type Need = keyof Permissions;

/** Reads on behalf of the access check itself, before the caller's rights are known. */
const SYSTEM: Actor = { id: 'kairos:access', role: 'admin' };
/** At most this many jobs are gathered for a listing (from the schedule list, 1000 a page). */
export const MAX_LISTED = 10_000;
/** At most this many jobs shared with the caller are read for a listing (one describe each). */
export const MAX_SHARED_LISTED = 1000;

const isNotFound = (err: unknown) => err instanceof KairosError && err.kind === 'not_found';

export function permissionsOf(ownerId: string, actor: Actor, level?: AccessLevel): Permissions {
  const full = actor.role === 'admin' || actor.id === ownerId;
  const l = full ? 3 : (level ?? 0);
  return { read: l >= 1, edit: l >= 2, run: l >= 2, share: l >= 3, delete: full };
}

/** Who a permitted change is made as: the caller when it owns the job or is an admin, else the owner. */
export function actingFor(ownerId: string, actor: Actor): Actor {
  return actor.role === 'admin' || actor.id === ownerId ? actor : { id: ownerId, role: 'user' };
}

export interface OpenedJob {
  view: JobView;
  permissions: Permissions;
  acting: Actor;
}

export interface ReadableJob {
  summary: JobSummary;
  permissions: Permissions;
}

export class JobAccess {
  constructor(
    private readonly jobs: JobService,
    private readonly shares: ShareStore,
  ) {}

  /** Reads a job the actor may read; 404 if it may not, 403 if it may read but not `need`. */
  async open(id: string, actor: Actor, need: Need = 'read'): Promise<OpenedJob> {
    const view = await this.jobs.get(id, SYSTEM);
    const owner = view.job.ownerId;
    const full = actor.role === 'admin' || actor.id === owner;
    // A draft is governed by the shares of the job (and the creation of it) it was opened for.
    const level = full ? undefined : await this.shares.levelOf(draftTarget(view.job) ?? view.job, actor.id);
    const permissions = permissionsOf(owner, actor, level);
    if (!permissions.read) throw notFound('job', id);
    if (!permissions[need]) throw forbidden(`this needs ${need} permission on job '${id}'`);
    return { view, permissions, acting: actingFor(owner, actor) };
  }

  /**
   * Every job the actor may read (its own or, for admins, all; plus those shared with it), from
   * visibility; bounded: more than MAX_LISTED jobs (or MAX_SHARED_LISTED shared ones) is a 400.
   */
  async readable(actor: Actor): Promise<ReadableJob[]> {
    const out = new Map<string, ReadableJob>();
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list({ pageSize: 1000, cursor }, actor);
      for (const s of page.items) out.set(s.id, { summary: s, permissions: permissionsOf(s.ownerId, actor) });
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.size < MAX_LISTED);
    if (cursor) throw validationError('too many jobs to list', [{ path: 'query', message: `more than ${MAX_LISTED} jobs; narrow the search` }]);
    if (actor.role === 'admin') return [...out.values()];
    const shared = (await this.shares.sharedWith(actor.id)).filter((s) => !out.has(s.jobId));
    if (shared.length > MAX_SHARED_LISTED || out.size + shared.length > MAX_LISTED) {
      throw validationError('too many jobs to list', [{ path: 'query', message: `more than ${MAX_SHARED_LISTED} shared jobs or ${MAX_LISTED} jobs in all` }]);
    }
    for (const { jobId, incarnation, accessLevel } of shared) {
      // Shared jobs are read directly (strongly consistent); one deleted meanwhile is skipped, and so
      // is a job created again under the id since (the share was made for the earlier one).
      const view = await this.jobs.get(jobId, SYSTEM).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      if (view && belongsTo(incarnation, view.job)) out.set(jobId, { summary: summaryOf(view), permissions: permissionsOf(view.job.ownerId, actor, accessLevel) });
    }
    return [...out.values()];
  }

  /** Shares a job (share permission); a share with the owner is meaningless and refused. */
  async share(id: string, actor: Actor, principalId: string, level: AccessLevel): Promise<void> {
    const { view } = await this.open(id, actor, 'share');
    if (principalId === view.job.ownerId) throw validationError('invalid share', [{ path: 'principalId', message: 'is the job\'s owner, who has full access already' }]);
    await this.shares.set(view.job, principalId, level);
  }

  async unshare(id: string, actor: Actor, principalId: string): Promise<boolean> {
    const { view } = await this.open(id, actor, 'share');
    return await this.shares.remove(view.job, principalId);
  }

  /**
   * Hands a job to another principal. Allowed to whoever may edit the job (Informer's rule); the
   * write is made as the system because the job service lets only admins name another owner.
   */
  async transferOwner(id: string, actor: Actor, newOwnerId: string, also: Record<string, unknown> = {}): Promise<JobView> {
    const { view } = await this.open(id, actor, 'edit');
    if (newOwnerId === view.job.ownerId && Object.keys(also).length === 0) return view;
    return await this.jobs.patch(id, { ...also, ownerId: newOwnerId }, SYSTEM, { expectedVersion: view.job.version });
  }
}

export function summaryOf(v: JobView): JobSummary {
  return {
    id: v.job.id,
    name: v.job.name,
    type: v.job.type,
    ownerId: v.job.ownerId,
    tags: v.job.tags,
    enabled: v.state.enabled,
    dialect: dialectOf(v.job),
    ...(v.job.incarnation === undefined ? {} : { incarnation: v.job.incarnation }),
    nextRunAt: v.state.nextRunAt,
    lastRunAt: v.state.lastRunAt,
  };
}
