// Portable job definitions: export the jobs a filter selects as one document, and apply such a
// document declaratively — create what is missing, update what differs, leave the rest, and (only
// when asked) delete the jobs in the document's scope that it does not list.
//
// Identity is the job id (the schedule id: chosen by whoever created the job, stable across edits,
// and unique, which a name is not). A document carries definitions only: no owner (a job applied
// for the first time belongs to whoever applies it, an existing one keeps its owner), none of the
// server's bookkeeping (createdAt, updatedAt, version, incarnation), and secrets as the references
// the definitions hold (`{"$secret": "name"}`) — their values are never part of a job.
import { createPatch, type Operation } from 'rfc6902';
import { z } from 'zod';
import { mapLimited } from '../concurrency.ts';
import { detailsFromZod, KairosError, validationError, type ErrorDetail } from '../errors.ts';
import { JobIdSchema, JobInputSchema, type Job } from './model.ts';
import { failureOf, isEmptyFilter, readableJob, selectJobs, type JobFilter } from './bulk.ts';
import type { Actor, JobService } from './service.ts';

export const PORTABLE_API_VERSION = 'kairos/v1';
export const PORTABLE_KIND = 'JobList';
/** The most jobs one document may hold. */
export const MAX_APPLY_JOBS = 1000;
const APPLY_PARALLEL = 4;

/** The scope a document declares (export writes the filter it was made with): what prune may delete. */
export const SelectorSchema = z
  .object({
    tag: z.string().min(1).optional(),
    dialect: z.string().min(1).optional(),
    owner: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
  })
  .strict();

/** A portable document: `jobs` are job inputs, each with its id. */
export const PortableDocumentSchema = z
  .object({
    apiVersion: z.literal(PORTABLE_API_VERSION).default(PORTABLE_API_VERSION),
    kind: z.literal(PORTABLE_KIND).default(PORTABLE_KIND),
    selector: SelectorSchema.optional(),
    jobs: z.array(z.unknown()).max(MAX_APPLY_JOBS),
  })
  .strict()
  .meta({ id: 'PortableDocument' }); // names it in the API's OpenAPI documents (api/openapi.ts)

export type PortableJob = Record<string, unknown> & { id: string };
/** A portable document as export writes it. */
export interface PortableDocument {
  apiVersion: typeof PORTABLE_API_VERSION;
  kind: typeof PORTABLE_KIND;
  selector?: z.output<typeof SelectorSchema>;
  jobs: PortableJob[];
}

/** A job's definition as a document holds it: its input fields, defaults filled, without owner or bookkeeping. */
export function portableOf(job: Job): PortableJob {
  const { createdAt: _c, updatedAt: _u, version: _v, incarnation: _i, ownerId: _o, ...input } = job;
  return { ...input, id: job.id };
}

/** The document of the jobs `filter` selects that `actor` may read, in id order. */
export async function exportJobs(jobs: JobService, filter: JobFilter, actor: Actor): Promise<PortableDocument> {
  // An empty filter exports every job the caller may read (its own and those shared with it).
  const selected = await selectJobs(jobs, filter, actor, 'read');
  const selector = { ...(filter.tag ? { tag: filter.tag } : {}), ...(filter.dialect ? { dialect: filter.dialect } : {}), ...(filter.owner ? { owner: filter.owner } : {}), ...(filter.type ? { type: filter.type } : {}) };
  return {
    apiVersion: PORTABLE_API_VERSION,
    kind: PORTABLE_KIND,
    ...(Object.keys(selector).length > 0 ? { selector } : {}),
    jobs: selected.map(portableOf),
  };
}

export type ApplyAction = 'create' | 'update' | 'unchanged' | 'prune';

/** What apply does (or, on a dry run, would do) with one job. */
export interface ApplyItem {
  /** The job's index in the document (absent on a prune: the job is not in it). */
  index?: number;
  id: string;
  action: ApplyAction;
  /** RFC 6902 operations from the current definition to the document's (updates only). */
  diff?: Operation[];
  /** What became of it (not on a dry run): done, or the error that stopped this one job. */
  outcome?: 'ok' | 'failed';
  error?: { code: string; message: string };
}

/** The answer to an apply (POST /v1/jobs/apply). */
export interface ApplyResult {
  dryRun: boolean;
  prune: boolean;
  counts: Record<ApplyAction, number> & { failed: number };
  items: ApplyItem[];
}

/** The definition as compared: the input schema's defaults filled in, owner left out. */
function comparable(input: Record<string, unknown>): Record<string, unknown> {
  // A stored job that today's schema would refuse (saved under older rules) is compared as it is.
  const parsed = JobInputSchema.safeParse(input);
  const { ownerId: _o, ...rest } = (parsed.success ? parsed.data : input) as Record<string, unknown>;
  return rest;
}

/** A job's error as details of the document: its fields under `jobs.<index>` (the error's text when it names none). */
function detailsAt(index: number, err: KairosError): ErrorDetail[] {
  const inner = err.details.length > 0 ? err.details : [{ path: '', message: err.message }];
  return inner.map((d) => ({ path: d.path ? `jobs.${index}.${d.path}` : `jobs.${index}`, message: d.message }));
}

/**
 * Validates the whole document first — its shape, every job (the job service's full validation:
 * model, driver data, triggers), ids present and unique, permission to change what would change —
 * so that one bad job is a 400 naming `jobs.<index>.<field>` and nothing is applied. Then each job is
 * created or replaced to match (a replace: fields a document leaves out return to their defaults,
 * as with PUT), and with `prune` the jobs in the document's scope that it does not list are deleted
 * (only those the caller may delete; the scope is the document's `selector`, required for prune).
 */
export async function applyJobs(jobs: JobService, raw: unknown, opts: { dryRun: boolean; prune: boolean }, actor: Actor): Promise<ApplyResult> {
  const parsed = PortableDocumentSchema.safeParse(raw);
  if (!parsed.success) throw validationError('invalid document', detailsFromZod(parsed.error.issues));
  const doc = parsed.data;
  if (opts.prune && (!doc.selector || isEmptyFilter(doc.selector))) {
    throw validationError('invalid apply', [{ path: 'selector', message: 'prune needs a selector (tag, dialect, owner or type) that bounds what it may delete' }]);
  }

  // 1. Validate every document and plan its action; nothing changes until all pass.
  const details: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  const plans: { index: number; id: string; input: Record<string, unknown>; desired?: Record<string, unknown> }[] = [];
  for (const [index, item] of doc.jobs.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      details.push({ path: `jobs.${index}`, message: 'must be a job object' });
      continue;
    }
    const input = item as Record<string, unknown>;
    const id = JobIdSchema.safeParse(input['id']);
    if (!id.success) {
      details.push({ path: `jobs.${index}.id`, message: input['id'] === undefined ? 'is required: a job is identified by its id' : (id.error.issues[0]?.message ?? 'invalid') });
      continue;
    }
    if (seen.has(id.data)) {
      details.push({ path: `jobs.${index}.id`, message: `repeats jobs.${seen.get(id.data)}.id` });
      continue;
    }
    seen.set(id.data, index);
    if (input['ownerId'] !== undefined) {
      details.push({ path: `jobs.${index}.ownerId`, message: 'is not portable: a new job belongs to whoever applies it, an existing one keeps its owner' });
      continue;
    }
    try {
      jobs.validate(input);
    } catch (err) {
      if (!(err instanceof KairosError && err.kind === 'validation')) throw err;
      details.push(...detailsAt(index, err));
      continue;
    }
    plans.push({ index, id: id.data, input });
  }
  if (details.length > 0) throw validationError('invalid document', details);

  const items: ApplyItem[] = [];
  const planned = await mapLimited(plans, async (p) => ({ p, current: await readableJob(jobs, p.id, actor) }), APPLY_PARALLEL * 2);
  // What only the caller and the current job tell: the job type, the owner's secrets (save checks).
  for (const { p, current } of planned) {
    try {
      await jobs.precheck(p.input, actor, current);
    } catch (err) {
      if (!(err instanceof KairosError && (err.kind === 'validation' || err.kind === 'forbidden'))) throw err;
      details.push(...detailsAt(p.index, err));
    }
  }
  if (details.length > 0) throw validationError('invalid document', details);
  const forbiddenDetails: ErrorDetail[] = [];
  for (const { p, current } of planned) {
    if (!current) {
      items.push({ index: p.index, id: p.id, action: 'create' });
      continue;
    }
    const before = comparable(portableOf(current));
    // A document without a name keeps the job's (as a replace does).
    const after = comparable({ name: current.name, ...p.input });
    const diff = createPatch(before, after);
    if (diff.length === 0) {
      items.push({ index: p.index, id: p.id, action: 'unchanged' });
      continue;
    }
    if (!(await jobs.permits(actor, 'edit', current))) forbiddenDetails.push({ path: `jobs.${p.index}`, message: `you may read job '${p.id}' but not change it` });
    items.push({ index: p.index, id: p.id, action: 'update', diff });
  }
  if (forbiddenDetails.length > 0) throw new KairosError('forbidden', 'the document changes jobs you may not change', forbiddenDetails);

  if (opts.prune && doc.selector) {
    const listed = new Set(plans.map((p) => p.id));
    for (const job of await selectJobs(jobs, doc.selector, actor, 'delete')) {
      if (!listed.has(job.id)) items.push({ id: job.id, action: 'prune' });
    }
  }

  const counts = { create: 0, update: 0, unchanged: 0, prune: 0, failed: 0 };
  if (!opts.dryRun) {
    const inputs = new Map(plans.map((p) => [p.index, p.input]));
    await mapLimited(
      items,
      async (item) => {
        try {
          if (item.action === 'create') await jobs.create(inputs.get(item.index ?? -1), actor);
          else if (item.action === 'update') await jobs.replace(item.id, inputs.get(item.index ?? -1), actor);
          else if (item.action === 'prune') await jobs.delete(item.id, actor);
          item.outcome = 'ok';
        } catch (err) {
          item.outcome = 'failed';
          item.error = failureOf(err);
        }
      },
      APPLY_PARALLEL,
    );
  }
  for (const item of items) {
    counts[item.action] += 1;
    if (item.outcome === 'failed') counts.failed += 1;
  }
  return { dryRun: opts.dryRun, prune: opts.prune, counts, items };
}
