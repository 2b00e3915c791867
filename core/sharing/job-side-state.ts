// The per-job state kept beside the schedule (shares in the state store; favorites and natural ids)
// as the job service and the job store see it: forgotten in one go when a job is deleted, and read to
// decide whether a job's owner may follow another job with a `job` trigger (core/jobs/attachments.ts),
// by the access policy (core/access) like every other read.
import type { AuthStore } from '../auth/store.ts';
import type { Db } from '../db/open.ts';
import type { JobAttachments, JobReadAccess } from '../jobs/attachments.ts';
import type { Job } from '../jobs/model.ts';
import { FavoriteStore } from '../favorites/store.ts';
import { NaturalIdStore } from '../names/store.ts';
import { can } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';

/** A principal's role, undefined when there is no such user (then it is no admin). */
export type RoleOf = (principalId: string) => Promise<'admin' | 'user' | undefined>;

/** Roles from the credential store; an unknown (or unreadable) user is no admin. */
export const rolesFrom =
  (auth: Pick<AuthStore, 'getUser'>): RoleOf =>
  async (id) =>
    await auth.getUser(id).then(
      (u) => u.role,
      () => undefined,
    );

export class JobSideState implements JobAttachments, JobReadAccess {
  private readonly favorites: FavoriteStore;
  private readonly names: NaturalIdStore;

  constructor(
    db: Db,
    private readonly roleOf: RoleOf,
    private readonly access: AccessService,
  ) {
    this.favorites = new FavoriteStore(db);
    this.names = new NaturalIdStore(db);
  }

  async forgetJob(jobId: string): Promise<void> {
    await Promise.all([this.access.shares.removeJob(jobId), this.favorites.removeJob(jobId), this.names.release(jobId)]);
  }

  async mayRead(principalId: string, job: Job): Promise<boolean> {
    if (job.ownerId === principalId) return true;
    const principal = { id: principalId, role: (await this.roleOf(principalId)) === 'admin' ? ('admin' as const) : ('user' as const) };
    return can(principal, 'read', job, await this.access.grantOf(principal, job));
  }
}
