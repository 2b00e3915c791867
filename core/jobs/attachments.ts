// What is kept about a job beside its schedule (shares in the state store; favorites, natural ids),
// and the one rule that ties it to a job: a record belongs to the creation of the job id it was made
// for (its incarnation). A job id is not an identity: when a job is deleted and its id created again,
// the new job has a new incarnation, and anything recorded for the old one is ignored, even if a
// crash between the schedule's deletion and the cleanup left it behind.
import type { Job } from './model.ts';

/** A job as the side stores see it: its id and which creation of that id it is. */
export interface JobRef {
  id: string;
  /** Undefined for a legacy job (created before incarnations). */
  incarnation?: string | undefined;
}

/**
 * Whether a record made for incarnation `recorded` belongs to `job`. Legacy records (none recorded)
 * belong to legacy jobs only: a job created since has an incarnation, so a leftover from before
 * cannot open it.
 */
export function belongsTo(recorded: string | undefined, job: JobRef): boolean {
  return recorded === job.incarnation;
}

/** Per-job state kept outside the schedule; forgotten when the job is deleted (JobService.delete). */
export interface JobAttachments {
  /** Forgets every share, favorite (of every user) and natural id recorded for this job id. */
  forgetJob(jobId: string): Promise<void>;
}

/** Who may read a job besides its owner: used to check `job` triggers at save and at run time. */
export interface JobReadAccess {
  /** The principal owns the job, is an admin, or has a share of at least read on this creation of it. */
  mayRead(principalId: string, job: Job): Promise<boolean>;
}
