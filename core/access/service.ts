// Gathers what the access policy (core/access/policy.ts) needs beyond the principal and the job: the
// principal's grant, i.e. the highest share level it holds on this creation of the job itself or
// through any of its teams (`team_members`). The job and run services call it for every request
// about a job; the Informer dialect and the `job` trigger check use the same.
import type { Db } from '../db/open.ts';
import { draftTarget } from '../drafts/service.ts';
import type { JobRef } from '../jobs/attachments.ts';
import type { Job } from '../jobs/model.ts';
import { ShareStore, type SharedJob } from '../sharing/store.ts';
import { authorize, can, hasFullAccess, type Action, type Grant, type Principal } from './policy.ts';

export class AccessService {
  readonly shares: ShareStore;

  constructor(private readonly db: Db) {
    this.shares = new ShareStore(db);
  }

  /** Whether a share may name this id: a user or a team that exists. */
  async principalExists(id: string): Promise<boolean> {
    // A NUL names nothing, and PostgreSQL would refuse the whole statement over it (a 500).
    if (id.includes('\u0000')) return false;
    const row = await this.db.kysely.selectFrom('principals').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  /** Every team (for surfaces that name principals by name, as Informer does). */
  async listTeams(): Promise<{ id: string; name: string }[]> {
    return await this.db.kysely.selectFrom('principals').select(['id', 'name']).where('kind', '=', 'team').orderBy('name').execute();
  }

  /** The principal's own id and those of the teams it belongs to: the ids a share may name for it. */
  async identities(p: Pick<Principal, 'id'>): Promise<string[]> {
    const rows = await this.db.kysely.selectFrom('team_members').select('team_id').where('user_id', '=', p.id).execute();
    return [p.id, ...rows.map((r) => r.team_id)];
  }

  /**
   * The principal's grant on a job: none needed for its owner and admins (they may do everything).
   * A draft is governed by the shares of the job (and the creation of it) it edits.
   */
  async grantOf(p: Principal, job: Job): Promise<Grant> {
    if (hasFullAccess(p, job)) return undefined;
    const ref: JobRef = draftTarget(job) ?? job;
    return await this.shares.levelFor(ref, await this.identities(p));
  }

  /** Whether `p` may do `action` with `job`. */
  async may(p: Principal, action: Action, job: Job): Promise<boolean> {
    return can(p, action, job, await this.grantOf(p, job));
  }

  /** Throws not_found (may not read) or forbidden (may read, not act); returns the grant it used. */
  async authorize(p: Principal, action: Action, job: Job): Promise<Grant> {
    const grant = await this.grantOf(p, job);
    authorize(p, action, job, grant);
    return grant;
  }

  /** Jobs shared with the principal or its teams (each at the highest level among them). */
  async sharedWith(p: Principal): Promise<SharedJob[]> {
    return await this.shares.sharedWith(await this.identities(p));
  }
}
