// Informer's view of the access policy (core/access/policy.ts, the one rule): a job opened with the
// caller's permissions, the jobs it may read with theirs, and share management. The job service
// enforces the same policy on every call, so this only reads what Informer must show (permissions,
// share lists) and names the permission a route needs. Once allowed, work on another owner's job is
// done as that owner (`acting`), so quotas and secrets keep resolving for the owner. A draft is
// governed by the shares of the job it edits (core/access/service.ts).
import { validationError } from '../errors.ts';
import type { JobSummary } from '../jobs/model.ts';
import type { Actor, JobService, JobView } from '../jobs/service.ts';
import { belongsTo } from '../jobs/attachments.ts';
import { actingFor, authorize, permissions as policyPermissions, type Action, type Grant } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import type { ShareLevel } from './store.ts';

/** What Informer shows of a caller's permissions on a job (from the policy). */
export interface Permissions {
  read: boolean;
  edit: boolean;
  run: boolean;
  share: boolean;
  delete: boolean;
}
export type Need = Action;

/** Informer's share levels: 1 read, 2 edit (and run), 3 also share. */
export const INFORMER_LEVELS = [1, 2, 3] as const;
export type InformerLevel = (typeof INFORMER_LEVELS)[number];
export const isInformerLevel = (n: unknown): n is InformerLevel => (INFORMER_LEVELS as readonly unknown[]).includes(n);
const FROM_INFORMER: Record<InformerLevel, ShareLevel> = { 1: 'read', 2: 'edit', 3: 'admin' };
/** A `run` share shows as 1: Informer has no level for running without editing (it still runs). */
const TO_INFORMER: Record<ShareLevel, InformerLevel> = { read: 1, run: 1, edit: 2, admin: 3 };
export const fromInformerLevel = (l: InformerLevel): ShareLevel => FROM_INFORMER[l];
export const toInformerLevel = (l: ShareLevel): InformerLevel => TO_INFORMER[l];

/** At most this many jobs are gathered for a listing (from the schedule list, 1000 a page). */
export const MAX_LISTED = 10_000;

export function permissionsOf(ownerId: string, actor: Actor, grant?: Grant): Permissions {
  const p = policyPermissions(actor, { ownerId }, grant);
  return { read: p.read, edit: p.edit, run: p.run, share: p.share, delete: p.delete };
}

export { actingFor } from '../access/policy.ts';

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
    private readonly access: AccessService,
  ) {}

  /** Reads a job the actor may read; 404 if it may not, 403 if it may read but not `need`. */
  async open(id: string, actor: Actor, need: Need = 'read'): Promise<OpenedJob> {
    const view = await this.jobs.get(id, actor);
    const grant = await this.access.grantOf(actor, view.job);
    authorize(actor, need, view.job, grant);
    return { view, permissions: permissionsOf(view.job.ownerId, actor, grant), acting: actingFor(view.job.ownerId, actor) };
  }

  /**
   * Every job the actor may read (its own and those shared with it or its teams; all for admins),
   * from visibility; bounded: more than MAX_LISTED jobs is a 400.
   */
  async readable(actor: Actor): Promise<ReadableJob[]> {
    const shared = new Map((actor.role === 'admin' ? [] : await this.access.sharedWith(actor)).map((s) => [s.jobId, s]));
    const out = new Map<string, ReadableJob>();
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list({ pageSize: 1000, cursor }, actor);
      for (const s of page.items) {
        const share = shared.get(s.id);
        const grant = share && belongsTo(share.incarnation, s) ? share.level : undefined;
        out.set(s.id, { summary: s, permissions: permissionsOf(s.ownerId, actor, grant) });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.size < MAX_LISTED);
    if (cursor) throw validationError('too many jobs to list', [{ path: 'query', message: `more than ${MAX_LISTED} jobs; narrow the search` }]);
    return [...out.values()];
  }

  /** Shares a job (share permission); a share with the owner is meaningless and refused. */
  async share(id: string, actor: Actor, principalId: string, level: ShareLevel): Promise<void> {
    const { view } = await this.open(id, actor, 'share');
    if (principalId === view.job.ownerId) throw validationError('invalid share', [{ path: 'principalId', message: 'is the job\'s owner, who has full access already' }]);
    await this.access.shares.set(view.job, principalId, level, actor.id);
  }

  async unshare(id: string, actor: Actor, principalId: string): Promise<boolean> {
    const { view } = await this.open(id, actor, 'share');
    return await this.access.shares.remove(view.job, principalId);
  }

  /**
   * Hands a job to another principal (`own` permission: owner, admins, an admin-level share). The
   * write is made as the system because the job service's own writes let only admins name another owner.
   */
  async transferOwner(id: string, actor: Actor, newOwnerId: string, also: Record<string, unknown> = {}): Promise<JobView> {
    const { view } = await this.open(id, actor, 'own');
    if (newOwnerId === view.job.ownerId && Object.keys(also).length === 0) return view;
    return await this.jobs.patch(id, { ...also, ownerId: newOwnerId }, SYSTEM, { expectedVersion: view.job.version });
  }
}

/** Writes on behalf of an access decision already made (a transfer the policy allowed). */
const SYSTEM: Actor = { id: 'kairos:access', role: 'admin' };
