// Bulk actions and job selection by filter: pause, resume or delete every job a filter matches, and
// the selection that export and apply's prune share. A selection holds exactly the jobs the caller
// may do the action on: a job it may not even read is never listed (the list is scoped by the access
// policy), and one it may read but not act on is left out too, neither counted nor named — the
// answer is about what was done, and the same whoever else's jobs match.
import { mapLimited } from '../concurrency.ts';
import { KairosError, validationError } from '../errors.ts';
import type { Action } from '../access/policy.ts';
import type { Actor, JobService } from './service.ts';
import type { Job } from './model.ts';
import { draftOf } from '../drafts/service.ts';

/** How a selection is asked for: every given field must match (ids: any of them). */
export interface JobFilter {
  tag?: string;
  dialect?: string;
  owner?: string;
  type?: string;
  ids?: string[];
}

export const BULK_ACTIONS = ['pause', 'resume', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The most jobs one selection holds; more is a 400 asking for a narrower filter. */
export const MAX_SELECTED = 10_000;
/** At most this many Temporal writes of one bulk request in flight. */
const BULK_PARALLEL = 4;

/** The answer to a bulk request (POST /v1/jobs/bulk). */
export interface BulkResult {
  action: BulkAction;
  dryRun: boolean;
  /** How many jobs the filter selected among those the caller may act on. */
  matched: number;
  ids: string[];
  /** Done now (or, on a dry run, that would be). */
  changed: string[];
  /** Already as asked (a paused job asked to pause). */
  unchanged: string[];
  /** Could not be done: each with why (another request deleted it meanwhile, Temporal failed…). */
  failed: { id: string; code: string; message: string }[];
}

const ACTION_NEEDS: Record<BulkAction, Action> = { pause: 'edit', resume: 'edit', delete: 'delete' };

/** Whether a filter names anything: an empty filter would select every job, which no bulk request means. */
export function isEmptyFilter(f: JobFilter): boolean {
  return f.tag === undefined && f.dialect === undefined && f.owner === undefined && f.type === undefined && (f.ids === undefined || f.ids.length === 0);
}

/** Whether a job passes the filter's fields (ids are checked by the caller). */
function matches(job: Job, f: JobFilter): boolean {
  const dialect = typeof job.extras['dialect'] === 'string' ? job.extras['dialect'] : 'native';
  return (
    (f.tag === undefined || job.tags.includes(f.tag)) &&
    (f.dialect === undefined || dialect === f.dialect) &&
    (f.owner === undefined || job.ownerId === f.owner) &&
    (f.type === undefined || job.type === f.type)
  );
}

/** Job `id` as `actor` reads it, or undefined when there is none the actor may read (the same answer). */
export async function readableJob(jobs: JobService, id: string, actor: Actor): Promise<Job | undefined> {
  try {
    return (await jobs.get(id, actor)).job;
  } catch (err) {
    if (err instanceof KairosError && err.kind === 'not_found') return undefined;
    throw err;
  }
}

/** How one job's failure in a bulk request or an apply is reported: the error's kind and text, else only "internal". */
export function failureOf(err: unknown): { code: string; message: string } {
  const e = err instanceof KairosError ? err : undefined;
  return { code: e?.kind ?? 'internal', message: e?.message ?? 'failed' };
}

/**
 * The jobs `filter` selects on which `actor` may do `action`, in id order, read in full (drafts,
 * which are jobs of their own, are left out: they belong to the job they edit). With ids, each is
 * read directly (strongly consistent); otherwise the job list answers (visibility: a job written in
 * the last second or so may be missing).
 */
export async function selectJobs(jobs: JobService, filter: JobFilter, actor: Actor, action: Action): Promise<Job[]> {
  const candidates: string[] = [];
  if (filter.ids && filter.ids.length > 0) {
    candidates.push(...new Set(filter.ids));
  } else {
    let cursor: string | undefined;
    do {
      const page = await jobs.list({ type: filter.type, owner: filter.owner, tag: filter.tag, dialect: filter.dialect, pageSize: 1000, cursor }, actor);
      candidates.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      if (candidates.length > MAX_SELECTED) {
        throw validationError('too many jobs selected', [{ path: 'filter', message: `selects more than ${MAX_SELECTED} jobs; narrow it` }]);
      }
    } while (cursor);
  }
  // Not there, or not the caller's to see: not part of the selection, and not named.
  const read = await mapLimited(candidates, async (id) => await readableJob(jobs, id, actor), BULK_PARALLEL * 2);
  const out: Job[] = [];
  for (const job of read) {
    if (!job || draftOf(job) || !matches(job, filter)) continue;
    if (await jobs.permits(actor, action, job)) out.push(job);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Pauses, resumes or deletes the selected jobs (deletion through JobService.delete, the one delete
 * path), at most BULK_PARALLEL at a time. One job's failure does not stop the others; it is reported.
 */
export async function bulkAction(jobs: JobService, req: { action: BulkAction; filter: JobFilter; dryRun: boolean }, actor: Actor): Promise<BulkResult> {
  if (isEmptyFilter(req.filter)) {
    throw validationError('invalid bulk request', [{ path: 'filter', message: 'name at least one of tag, dialect, owner, type or ids' }]);
  }
  const selected = await selectJobs(jobs, req.filter, actor, ACTION_NEEDS[req.action]);
  const result: BulkResult = { action: req.action, dryRun: req.dryRun, matched: selected.length, ids: selected.map((j) => j.id), changed: [], unchanged: [], failed: [] };
  const asIs = (job: Job) => (req.action === 'pause' && !job.enabled) || (req.action === 'resume' && job.enabled);
  for (const job of selected) (asIs(job) ? result.unchanged : result.changed).push(job.id);
  if (req.dryRun) return result;
  const todo = result.changed;
  result.changed = [];
  const outcomes = await mapLimited(
    todo,
    async (id) => {
      try {
        if (req.action === 'delete') await jobs.delete(id, actor);
        else await jobs.setEnabled(id, req.action === 'resume', actor);
        return { id };
      } catch (err) {
        return { id, failure: { id, ...failureOf(err) } };
      }
    },
    BULK_PARALLEL,
  );
  for (const o of outcomes) {
    if (o.failure) result.failed.push(o.failure);
    else result.changed.push(o.id);
  }
  return result;
}
