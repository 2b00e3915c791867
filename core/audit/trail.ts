// A job's audit trail: the audit log's events about one job, for whoever may read the job (the one
// access policy decides: a job the caller may not read is not found, exactly like a missing one).
//
// Who sees what: everyone who may read the job sees its `ok` events (what was done to it, by whom,
// through which surface: the same history its versions already show them, plus runs, pauses and
// stops). Its `denied` and `failed` events are for those who administer the job: its owner, users
// holding an `admin` share on it (they manage who may do what with it), and Kairos admins. Those
// events name people who tried something and were refused or failed (a stranger probing the id, a
// colleague's mistaken edit): knowing them is what answering "who is trying to do what with my job"
// needs, while a reader only needs the job's history.
//
// Only the current creation of the id is shown: events from before the job's creation time belong to
// an earlier job of the same id (perhaps another user's, deleted since), which the caller may not
// have been allowed to read. The create request's own event is recorded once it is answered, so it
// is never before the creation time.
import { can } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import { forbidden } from '../errors.ts';
import type { Actor, JobService } from '../jobs/service.ts';
import type { AuditLog, AuditOutcome, AuditPage } from './log.ts';

/** The filters of a job's trail (all optional). */
export interface JobTrailFilters {
  action?: string;
  outcome?: AuditOutcome;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** A page of a job's trail, and which outcomes the caller may see (`ok` only, or all). */
export type JobTrailPage = AuditPage & { visible: 'all' | 'ok' };

export class JobAuditTrail {
  constructor(
    private readonly jobs: JobService,
    private readonly access: AccessService,
    private readonly log: AuditLog,
  ) {}

  /**
   * The job's events, newest first, as the caller may see them (see the file comment). Asking a
   * reader's page for `denied` or `failed` events is forbidden rather than answered with an empty
   * page, so that "none" is never mistaken for "none happened".
   */
  async list(id: string, actor: Actor, filters: JobTrailFilters, page: { pageSize: number; cursor?: string }): Promise<JobTrailPage> {
    const { job } = await this.jobs.get(id, actor);
    const seesAll = can(actor, 'share', job, await this.access.grantOf(actor, job));
    if (!seesAll && filters.outcome !== undefined && filters.outcome !== 'ok') {
      throw forbidden(`only the job's owner, its share admins and Kairos admins see ${filters.outcome} events of job '${job.id}'`);
    }
    // A creation time that does not parse (never written by this version) bounds nothing.
    const created = new Date(job.createdAt);
    const bound = Number.isNaN(created.getTime()) ? undefined : created;
    const from = bound === undefined || (filters.from !== undefined && filters.from > bound) ? filters.from : bound;
    const result = await this.log.query({ ...filters, job: job.id, from, outcome: seesAll ? filters.outcome : 'ok' }, page);
    return { ...result, visible: seesAll ? 'all' : 'ok' };
  }
}
