// The job service: every use case the native API and the dialects share. Validation (model, driver
// config, trigger compilation), ownership, and optimistic concurrency live here once.
import type { DstInput } from '../triggers/dst.ts';
import { randomUUID } from 'node:crypto';
import { driverFor } from '../drivers/catalog.ts';
import { trimChar } from '../text.ts';
import { detailsFromZod, forbidden, KairosError, validationError } from '../errors.ts';
import { compileTriggers, describeTrigger, nextFireTimes, onceInstants, TriggerError, type CompiledTriggers } from '../triggers/compile.ts';
import { TriggerSchema, type Trigger } from '../triggers/model.ts';
import { JobInputSchema, type Job, type JobSpec, type JobSummary, type LastOutcome } from './model.ts';
import type { JobAttachments, JobReadAccess } from './attachments.ts';
import { draftIdFor, draftOf } from '../drafts/service.ts';
import { mergePatch } from './merge-patch.ts';
import { egressPolicy } from '../net/policy.ts';
import type { JobRead, JobStore, ListQuery, StoredJob } from './store.ts';
import { compileOptionsOf, specAsWritten } from './written-spec.ts';
import { runsUsed } from './run-limit.ts';
import type { Quotas, Reservation } from '../quotas/quotas.ts';
import { authorize, type Action, type Principal } from '../access/policy.ts';
import type { AccessService } from '../access/service.ts';
import type { BackfillLog, BackfillRecord } from './backfills.ts';
import { MAX_BACKFILL_TIMES, type BackfillRequest, type BackfillResult } from './backfill.ts';

/** How long after a job's end its last fire may still be starting (scheduler latency). */
const END_GRACE_MS = 5_000;
/**
 * How long after a write its immediate fire (an overdue `once`) may still be starting: until then a
 * job with no actions left is not used up. Temporal gives the start of a triggered action 60 s.
 */
const IMMEDIATE_GRACE_MS = 60_000;

/** Who asks: the one principal type of the access policy (core/access/policy.ts). */
/** Who asks; `name` (a login's), when known, is what runs show ("run now by alice" in Temporal Web UI). */
export type Actor = Principal & { name?: string };

export interface JobState {
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  running: string[];
  remainingActions: number | null;
}

export interface JobView {
  job: Job;
  state: JobState;
}

export interface WriteOptions {
  /** The version the client last read (If-Match); a different current version → 409. */
  expectedVersion?: number;
  /**
   * The write replaces the job by a new one (Dapr's overwrite): an overdue `once` fires at once even
   * when the current version had the same time. Otherwise such a time already fell due under the
   * current version, and editing the job does not fire it again.
   */
  asNew?: boolean;
  /** The API surface making the change, for the job's versions (default: the service's, see forSurface). */
  surface?: string;
}

/** A job's history (core/versions/history.ts): told of every change after the Temporal write succeeded. */
export interface JobHistory {
  /** `job` was written (replacing `previous`, the live job before the write). Never throws. */
  written(job: Job, by: { authorId: string; surface: string }, previous?: Job): Promise<void>;
  /** `draft`, a draft of another job (core/drafts), was saved. Never throws. */
  drafted(draft: Job, by: { authorId: string; surface: string }): Promise<void>;
  /** `job` was deleted: its versions close. Never throws. */
  removed(job: Job): Promise<void>;
}

/** What the job service needs to keep a job id from being an identity (see core/jobs/attachments.ts). */
export interface JobIdentityDeps {
  /** Forgotten when a job is deleted. */
  attachments?: JobAttachments;
  /** Who may name a job in a `job` trigger besides its owner; without it, owners only. */
  readAccess?: JobReadAccess;
}

/**
 * A check of a job about to be saved against what its owner may use (e.g. its secret references:
 * core/secrets/access.ts): throws a validation error. Runs on create and on every write, after
 * validation; `current` is the stored version on a write.
 */
export type SaveCheck = (job: { spec: JobSpec; ownerId: string; current?: Job }, actor: Actor) => Promise<void>;

/** What the job service is given besides its store: identity keeping, quotas and save checks (all optional). */
export interface JobServiceDeps extends JobIdentityDeps {
  /** Per-owner limits on jobs and running runs; none when absent. */
  quotas?: Quotas;
  /** Checks of what a job's owner may use, on create and every write (e.g. its secret references). */
  saveChecks?: readonly SaveCheck[];
  /** Records the versions of every job (core/versions); none when absent. */
  history?: JobHistory;
  /** The surface this service acts for (see forSurface); `v1` when absent. */
  surface?: string;
  /** Shares and teams for the access policy; without it, only owners and admins reach a job. */
  access?: AccessService;
  /** Where backfills are recorded (./backfills.ts); without it, backfills are refused. */
  backfills?: BackfillLog;
  /** The job's rows of fire times that did not run (core/runs/skip-store.ts): deleted with it. */
  notRun?: { forgetJob(jobId: string): Promise<void> };
}

/** At most this many jobs shared with a principal widen its job list (each is one clause of the visibility query). */
export const MAX_SHARED_LISTED = 1000;

export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly now: () => Date = () => new Date(),
    private readonly deps: JobServiceDeps = {},
  ) {
    this.identity = deps;
    this.quotas = deps.quotas;
    this.saveChecks = deps.saveChecks ?? [];
    this.access = deps.access;
  }
  private readonly access?: AccessService;
  private readonly identity: JobIdentityDeps;
  /** Per-owner limits on jobs and running runs; none when absent. */
  private readonly quotas?: Quotas;
  private readonly saveChecks: readonly SaveCheck[];

  /** This service as one API surface uses it: the versions its writes record name that surface. */
  forSurface(surface: string): JobService {
    return new JobService(this.store, this.now, { ...this.deps, surface });
  }

  /** Tells the job's history of a write that succeeded (Temporal stays the truth; a lost record is repaired later). */
  private async recordVersion(job: Job, actor: Actor, opts: WriteOptions, previous?: Job): Promise<void> {
    const by = { authorId: actor.id, surface: opts.surface ?? this.deps.surface ?? 'v1' };
    // A draft (a job of its own) is a version of the job it edits, not yet applied.
    await (draftOf(job) ? this.deps.history?.drafted(job, by) : this.deps.history?.written(job, by, previous));
  }

  /** Whether a driver for this job type is installed (a dialect offers only job types that can run). */
  supportsType(type: string): boolean {
    return driverFor(type) !== undefined;
  }

  /**
   * Validates a job input completely: the model, the driver's data, the triggers. `now` resolves
   * relative times; `settled` are the `once` times the current version already had (see WriteOptions.asNew).
   */
  validate(raw: unknown, now: Date = this.now(), settled: readonly number[] = []): { spec: JobSpec; compiled: CompiledTriggers } {
    const parsed = JobInputSchema.safeParse(withoutReadOnly(raw));
    if (!parsed.success) throw validationError('invalid job', detailsFromZod(parsed.error.issues));
    const spec = parsed.data;
    const driver = driverFor(spec.type);
    if (!driver) throw validationError('invalid job', [{ path: 'type', message: `unknown job type '${spec.type}'` }]);
    const data = driver.dataSchema.safeParse(spec.data);
    if (!data.success) throw validationError('invalid job data', detailsFromZod(data.error.issues, 'data'));
    assertEgressAllowed(spec.data, driver.urlFields ?? []);
    return { spec, compiled: this.compile(spec, now, settled) };
  }

  /**
   * Everything a create (no `current`) or a replace of `current` would check of `raw` before
   * writing — validation, the job type, the save checks (e.g. the owner's secret references) —
   * without writing. Apply checks a whole document with it before changing anything.
   */
  async precheck(raw: unknown, actor: Actor, current?: Job): Promise<void> {
    const { spec } = this.validate(raw);
    assertMayUseType(spec.type, actor);
    const ownerId = current ? current.ownerId : this.ownerFor(spec.ownerId, actor);
    for (const check of this.saveChecks) await check({ spec, ownerId, ...(current ? { current } : {}) }, actor);
  }

  private compile(spec: JobSpec, now: Date, settled: readonly number[]): CompiledTriggers {
    try {
      return compileTriggers(spec.triggers, compileOptionsOf(spec, now, settled));
    } catch (err) {
      if (err instanceof TriggerError) throw validationError('invalid trigger', [{ path: dotted(err.path), message: err.message }]);
      throw err;
    }
  }

  async create(raw: unknown, actor: Actor, opts: Pick<WriteOptions, 'surface'> = {}): Promise<JobView> {
    // one instant for relative times and createdAt, so that a later re-resolution at updatedAt agrees
    const now = this.now();
    const { spec, compiled } = this.validate(raw, now);
    assertMayUseType(spec.type, actor);
    const ownerId = this.ownerFor(spec.ownerId, actor);
    for (const check of this.saveChecks) await check({ spec, ownerId }, actor);
    const at = now.toISOString();
    const job: Job = {
      ...spec,
      id: spec.id ?? `${slugify(spec.name ?? spec.type)}-${randomUUID().slice(0, 8)}`,
      name: spec.name ?? spec.id ?? spec.type,
      ownerId,
      createdAt: at,
      updatedAt: at,
      version: 1,
      // A new creation of this id: nothing recorded for an earlier job with the same id applies.
      incarnation: randomUUID(),
    };
    await this.assertMayFollow(job, actor);
    await this.held(this.quotas?.jobs.reserve(job.ownerId, job.id), () => this.store.create(job, compiled));
    await this.recordVersion(job, actor, opts);
    // Answer from what was written rather than a second RPC (DescribeSchedule is a query to the
    // scheduler workflow and doubled the cost of a create). The next fire time comes from the
    // evaluator that the compiler's proof holds equal to Temporal's own; later GETs read Temporal.
    // An overdue once is starting now.
    const next = !job.enabled || !compiled.spec ? undefined : compiled.spec.triggerImmediately ? now : nextFireTimes(compiled.spec, now, 1)[0];
    return {
      job,
      state: {
        enabled: job.enabled,
        nextRunAt: next?.toISOString() ?? null,
        lastRunAt: null,
        running: [],
        remainingActions: compiled.spec?.remainingActions ?? null,
      },
    };
  }

  /**
   * A job and its state. The definition comes from the job's head (JobStore.read: no scheduler
   * query, every acknowledged write included); the state from what needs no scheduler either:
   * `enabled` from the definition, `nextRunAt` from the trigger evaluator on the spec as written,
   * `lastRunAt` and `running` from run visibility (JobStore.scheduledRuns). Jobs whose state only the
   * scheduler knows are described as before: a run cap (remainingActions counts down with each
   * scheduled run), pauseOnFailure (the scheduler pauses the schedule itself), jitter (the
   * scheduler's next times are jittered; the evaluator's are not).
   */
  async get(id: string, actor: Actor): Promise<JobView> {
    return await this.viewFor(await this.store.read(id), actor, 'read');
  }

  /** The view of a job read by JobStore.read, after the access check on the definition it shows. */
  private async viewFor(read: JobRead, actor: Actor, action: Action): Promise<JobView> {
    const spec = read.stored ? undefined : specAsWritten(read.job);
    if (read.stored || !stateIsLocal(read.job, spec)) {
      const stored = read.stored ?? (await this.store.get(read.job.id));
      await this.allow(stored.job, actor, action);
      return view(stored);
    }
    await this.allow(read.job, actor, action);
    const job = read.job;
    const next = job.enabled && spec ? nextFireTimes(spec, this.now(), 1)[0] : undefined;
    const runs = await this.store.scheduledRuns(job);
    return {
      job,
      state: {
        enabled: job.enabled,
        nextRunAt: next?.toISOString() ?? null,
        lastRunAt: runs.lastRunAt?.toISOString() ?? null,
        running: runs.running,
        remainingActions: null,
      },
    };
  }

  /** Full replacement: fields not sent return to their defaults (id, owner and createdAt are kept). */
  async replace(id: string, raw: unknown, actor: Actor, opts: WriteOptions = {}): Promise<JobView> {
    return await this.write(id, actor, opts, () => raw);
  }

  /** JSON Merge Patch of the job's input fields. */
  async patch(id: string, patch: unknown, actor: Actor, opts: WriteOptions = {}): Promise<JobView> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw validationError('invalid patch', [{ path: '', message: 'must be a JSON object' }]);
    }
    return await this.write(id, actor, opts, (current) => mergePatch(inputOf(current), patch));
  }

  async setEnabled(id: string, enabled: boolean, actor: Actor, opts: WriteOptions = {}): Promise<JobView> {
    return await this.write(id, actor, opts, (current) => ({ ...inputOf(current), enabled }));
  }

  private async write(id: string, actor: Actor, opts: WriteOptions, next: (current: Job) => unknown): Promise<JobView> {
    const stored = await this.store.get(id);
    const current = stored.job;
    await this.allow(current, actor, 'edit');
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
      throw new KairosError('conflict', `job '${id}' is at version ${current.version}, not ${opts.expectedVersion}`, [
        { path: 'version', message: `current version is ${current.version}` },
      ]);
    }
    const raw = next(current);
    if (typeof raw === 'object' && raw !== null && 'id' in raw && (raw as { id: unknown }).id !== undefined && (raw as { id: unknown }).id !== id) {
      throw validationError('invalid job', [{ path: 'id', message: 'cannot be changed' }]);
    }
    const now = this.now();
    // The current version's once times as it resolved them (relative ones from its updatedAt).
    const settled = opts.asNew ? [] : onceInstants(current.triggers, new Date(current.updatedAt));
    const { spec, compiled } = this.validate(raw, now, settled);
    assertMayUseType(spec.type, actor);
    const ownerId = spec.ownerId !== undefined && spec.ownerId !== current.ownerId ? this.ownerFor(spec.ownerId, actor) : current.ownerId;
    for (const check of this.saveChecks) await check({ spec, ownerId, current }, actor);
    const job: Job = {
      ...spec,
      id,
      name: spec.name ?? current.name,
      ownerId,
      createdAt: current.createdAt,
      updatedAt: now.toISOString(),
      version: current.version + 1,
      // Kept across edits (also Dapr's overwrite, which rewrites this schedule); a legacy job stays one.
      ...(current.incarnation === undefined ? {} : { incarnation: current.incarnation }),
    };
    await this.assertMayFollow(job, actor, current);
    // A new job (Dapr's overwrite) starts its count afresh; an edit of this one carries it on.
    const used = opts.asNew ? 0 : runsUsed(stored.runLimit, stored.state.remainingActions);
    // A job handed to another owner counts against the new owner's quota.
    const transfer = job.ownerId !== current.ownerId;
    const updated = await this.held(transfer ? this.quotas?.jobs.reserve(job.ownerId, id) : undefined, () =>
      this.store.update(job, compiled, stored.conflictToken, used),
    );
    if (transfer) this.quotas?.jobs.noteRemoved(current.ownerId, id);
    await this.recordVersion(updated.job, actor, opts, current);
    return view(updated);
  }

  /** Runs a write while a quota reservation (if any) holds its job; the reservation outlives a write that succeeded. */
  private async held<T>(reservation: Promise<Reservation> | undefined, write: () => Promise<T>): Promise<T> {
    const r = await reservation;
    try {
      const out = await write();
      r?.commit();
      return out;
    } catch (err) {
      r?.release();
      throw err;
    }
  }

  /**
   * Reads a job, treating a bounded job that is used up as gone: its schedule has a run limit that
   * is spent, or an end that has passed, and nothing is left to fire or still running. Such a job is
   * deleted and the read answers not_found (schedulers that remove finished jobs — Dapr — behave so).
   * Unbounded and paused jobs are never removed.
   */
  async getUnlessExhausted(id: string, actor: Actor): Promise<JobView> {
    const read = await this.store.read(id);
    // A job that can never be used up needs no scheduler state to tell: disabled (paused; never
    // removed), or without a run cap and an end. Its head answers, as for get().
    const spec = read.stored ? undefined : specAsWritten(read.job);
    if (!read.stored && (!read.job.enabled || spec === null || (spec !== undefined && spec.remainingActions === undefined && spec.endAt === undefined))) {
      return await this.viewFor(read, actor, 'read');
    }
    const stored = read.stored ?? (await this.store.get(id));
    await this.allow(stored.job, actor, 'read');
    if (this.isExhausted(stored)) {
      try {
        await this.remove(stored.job);
      } catch (err) {
        if (!(err instanceof KairosError && err.kind === 'not_found')) throw err;
      }
      throw new KairosError('not_found', `job '${id}' not found`);
    }
    return view(stored);
  }

  /** Spent run limit, or an end more than END_GRACE_MS ago; with nothing scheduled and nothing running. */
  private isExhausted(stored: StoredJob): boolean {
    const s = stored.state;
    if (s.paused || s.runningWorkflowIds.length > 0 || s.nextRunTimes.length > 0) return false;
    const job = stored.job;
    const sinceWrite = this.now().getTime() - new Date(job.updatedAt).getTime();
    // A write that fired an overdue once leaves no actions: it is not used up before that run started.
    const immediatePending = (s.lastRunAt === null || s.lastRunAt.getTime() < new Date(job.updatedAt).getTime()) && sinceWrite < IMMEDIATE_GRACE_MS;
    if (s.remainingActions === 0) return !immediatePending;
    let end: Date | undefined;
    try {
      // Relative times resolve as they did when the job was last written.
      end = compileTriggers(job.triggers, {
        now: new Date(job.updatedAt),
        timezone: job.timezone,
        startOn: job.startOn ? new Date(job.startOn) : undefined,
        endOn: job.endOn ? new Date(job.endOn) : undefined,
      }).spec?.endAt;
    } catch {
      return false;
    }
    return end !== undefined && end.getTime() + END_GRACE_MS <= this.now().getTime();
  }

  /** Deletes a job with everything kept about it: every API surface deletes through here. */
  async delete(id: string, actor: Actor): Promise<void> {
    const stored = await this.store.get(id);
    await this.allow(stored.job, actor, 'delete');
    await this.remove(stored.job);
  }

  /**
   * The one place a job is deleted: its schedule, then its draft (a schedule of its own), shares,
   * favorites and natural ids. Should the process stop in between, what is left is harmless: it
   * carries the deleted job's incarnation, which no later job with this id has.
   */
  private async remove(job: Job): Promise<void> {
    await this.store.delete(job.id);
    this.quotas?.jobs.noteRemoved(job.ownerId, job.id);
    await this.deps.history?.removed(job);
    await this.deps.notRun?.forgetJob(job.id);
    if (draftOf(job)) return; // a draft's shares and names are its job's
    const draftId = draftIdFor(job.id);
    const draft = await this.store.get(draftId).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (draft && draftOf(draft.job) === job.id) {
      await this.store.delete(draftId).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      this.quotas?.jobs.noteRemoved(draft.job.ownerId, draftId);
    }
    await this.identity.attachments?.forgetJob(job.id);
    await this.deps.backfills?.forgetJob(job.id);
  }

  /**
   * Runs the schedule's fire times in [from, to] (both inclusive, as Temporal's backfill) now, or
   * with `dryRun` only lists them. The times come from the evaluator that answers previews and next
   * fire times (held equal to Temporal's scheduler by the compiler's proof), so a dry run lists what
   * the backfill will start. Needs run permission. The request is recorded before Temporal is asked,
   * so the runs it starts can tell that they are a backfill's (./backfills.ts).
   */
  async backfill(id: string, req: BackfillRequest, actor: Actor): Promise<BackfillResult> {
    const { job } = await this.store.read(id);
    await this.allow(job, actor, 'run');
    const now = this.now();
    if (req.from.getTime() >= req.to.getTime()) throw validationError('invalid backfill', [{ path: 'to', message: 'must be after from' }]);
    if (req.to.getTime() > now.getTime()) {
      throw validationError('invalid backfill', [{ path: 'to', message: 'must not be in the future: fire times still to come run on their own' }]);
    }
    const spec = specAsWritten(job);
    if (spec === undefined) throw validationError('invalid backfill', [{ path: 'triggers', message: 'the job\'s triggers no longer compile; save the job again first' }]);
    if (spec === null || (spec.calendars.length === 0 && spec.intervals.length === 0)) {
      throw validationError('invalid backfill', [{ path: 'triggers', message: 'the job has no recurring schedule to backfill' }]);
    }
    // Backfills are manual actions: a run cap does not limit them (Temporal never counts them).
    const times = nextFireTimes({ ...spec, remainingActions: undefined }, new Date(req.from.getTime() - 1), MAX_BACKFILL_TIMES + 1).filter(
      (t) => t.getTime() <= req.to.getTime(),
    );
    if (times.length > MAX_BACKFILL_TIMES) {
      throw validationError('backfill range too large', [{ path: 'to', message: `the range holds more than ${MAX_BACKFILL_TIMES} fire times; narrow it` }]);
    }
    const overlap = req.overlap ?? job.overlap;
    const result: BackfillResult = { jobId: job.id, from: req.from, to: req.to, overlap, dryRun: req.dryRun, count: times.length, times };
    if (req.dryRun || times.length === 0) return result;
    const log = this.deps.backfills;
    if (!log) throw new KairosError('unavailable', 'backfills are not available on this server');
    const record = await log.record(job, { from: req.from, to: req.to, overlap, fireTimes: times.length, requestedBy: actor.id, requestedAt: now });
    try {
      await this.store.backfill(job.id, req.from, req.to, overlap);
    } catch (err) {
      await log.forget(record.id).catch(() => undefined);
      throw err;
    }
    return { ...result, backfillId: record.id };
  }

  /** The backfills asked of this creation of the job, newest first (read permission). */
  async backfills(id: string, actor: Actor): Promise<BackfillRecord[]> {
    const { job } = await this.store.read(id);
    await this.allow(job, actor, 'read');
    return (await this.deps.backfills?.list(job)) ?? [];
  }

  /** Whether `actor` may do `action` on `job` (the policy's answer as a boolean, for bulk selections). */
  async permits(actor: Actor, action: Action, job: Job): Promise<boolean> {
    try {
      await this.allow(job, actor, action);
      return true;
    } catch (err) {
      if (err instanceof KairosError && (err.kind === 'not_found' || err.kind === 'forbidden')) return false;
      throw err;
    }
  }

  /**
   * A `job` trigger may name only a job the job's owner may read (its own, any for an admin, or one
   * shared with it), else the same 400 as for a job that does not exist, so ids cannot be probed.
   * Checked for triggers a write adds, and all of them when the job changes owner; a trigger whose
   * parent became unreadable later is skipped at run time (JobStore.startDependents).
   */
  private async assertMayFollow(job: Job, actor: Actor, previous?: Job): Promise<void> {
    const kept = new Set(previous && previous.ownerId === job.ownerId ? previous.triggers.flatMap((t) => (t.type === 'job' ? [t.jobId] : [])) : []);
    for (const [i, t] of job.triggers.entries()) {
      if (t.type !== 'job' || kept.has(t.jobId) || t.jobId === job.id) continue;
      const parent = await this.store.read(t.jobId).then(
        (s) => s.job,
        (err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)),
      );
      const readable =
        parent !== undefined &&
        (parent.ownerId === job.ownerId || (actor.role === 'admin' && actor.id === job.ownerId) || ((await this.identity.readAccess?.mayRead(job.ownerId, parent)) ?? false));
      if (!readable) throw validationError('invalid trigger', [{ path: `triggers.${i}.jobId`, message: `names no job '${t.jobId}'` }]);
    }
  }

  /**
   * Lists jobs. Unsorted, a page is one ListSchedules call. Temporal cannot order schedules, so a
   * sorted list reads every job that passes the filters (at most MAX_SORTED) and pages by offset.
   * A search (`q`: a case-insensitive substring of the name or id) does the same, because Temporal's
   * visibility has no substring match: its cost is bounded by MAX_SORTED summaries (ListSchedules
   * pages of 1000), and the other filters narrow it in Temporal first. `lastOutcome` too: it is in
   * each schedule's list entry (no query per job), but visibility cannot filter on it.
   */
  async list(q: ListQuery & { sort?: JobSort; q?: string; lastOutcome?: LastOutcome }, actor: Actor): Promise<{ items: JobSummary[]; nextCursor: string | null }> {
    // Users see their own jobs and those shared with them (filtered by owner if they ask); admins see all.
    const scope: Pick<ListQuery, 'owner' | 'visibleTo'> = actor.role === 'admin' ? { owner: q.owner } : { owner: q.owner, visibleTo: await this.visibleTo(actor) };
    const needle = q.q?.toLowerCase();
    if (!q.sort && needle === undefined && q.lastOutcome === undefined) return await this.store.list({ ...q, ...scope });
    const offset = q.cursor ? decodeOffset(q.cursor) : 0;
    const all: JobSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ ...q, ...scope, cursor, pageSize: 1000 });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && all.length < MAX_SORTED);
    if (cursor) {
      const path = q.sort ? 'query.sort' : needle !== undefined ? 'query.q' : 'query.lastOutcome';
      throw validationError(q.sort ? 'too many jobs to sort' : 'too many jobs to search', [
        { path, message: `narrow the filters to under ${MAX_SORTED} jobs${q.sort ? ', or list unsorted' : ''}` },
      ]);
    }
    // Visibility has no case-insensitive substring match, so q is matched here, on the jobs the
    // scope above already limited to what the actor may read: a stranger's job is never read into `all`.
    const found = all.filter(
      (j) =>
        (needle === undefined || j.name.toLowerCase().includes(needle) || j.id.toLowerCase().includes(needle)) &&
        (q.lastOutcome === undefined || j.lastOutcome === q.lastOutcome),
    );
    // Unsorted searches are in id order: offset paging needs one order from page to page, which
    // Temporal's list order does not promise.
    const { field, dir } = parseSort(q.sort ?? 'id');
    found.sort((a, b) => dir * compareBy(a, b, field));
    const items = found.slice(offset, offset + q.pageSize);
    const next = offset + q.pageSize < found.length ? Buffer.from(`o:${offset + q.pageSize}`).toString('base64url') : null;
    return { items, nextCursor: next };
  }

  /**
   * Head → access → quota → a direct workflow start: no scheduler query (see JobStore.read). The
   * actor's name (a login's) goes into the run's summary in Temporal Web UI: "run now by alice".
   */
  async runNow(id: string, actor: Actor, input?: unknown): Promise<{ runId: string }> {
    const { job } = await this.store.read(id);
    await this.allow(job, actor, 'run');
    // Counted for the job's owner, whoever asks; runJob checks again as it starts (core/quotas).
    await this.quotas?.assertMayStartRun(job.ownerId);
    return { runId: await this.store.startRun(job, 'manual', { input, by: actor.name ?? actor.id }) };
  }

  /** Next fire times as Temporal's scheduler reports them (it reports at most 10). */
  async nextTimes(id: string, count: number, actor: Actor): Promise<Date[]> {
    const stored = await this.store.get(id);
    await this.allow(stored.job, actor, 'read');
    return stored.state.nextRunTimes.slice(0, count);
  }

  /** Compiles one trigger without saving: its next fire times and a description, or the 400 saving would give. */
  preview(rawTrigger: unknown, count: number, from: Date | undefined, timezone?: string, dst?: DstInput): { times: Date[]; description: string } {
    const parsed = TriggerSchema.safeParse(rawTrigger);
    if (!parsed.success) throw validationError('invalid trigger', detailsFromZod(parsed.error.issues, 'trigger'));
    const trigger: Trigger = parsed.data;
    let compiled: CompiledTriggers;
    const now = this.now();
    try {
      // DST gap shifts and overlap skips planned from `from` too, when it lies in the past
      compiled = compileTriggers([trigger], { now, timezone, ...(dst ? { dst } : {}), ...(from ? { dstFrom: from } : {}) });
    } catch (err) {
      if (err instanceof TriggerError) throw validationError('invalid trigger', [{ path: dotted(err.path).replace(/^triggers\.0/, 'trigger'), message: err.message }]);
      throw err;
    }
    const start = from ?? now;
    // a once that is overdue would fire as soon as it is saved
    const immediate = compiled.spec?.triggerImmediately && start.getTime() <= now.getTime() ? [now] : [];
    const times = compiled.spec ? [...immediate, ...nextFireTimes(compiled.spec, start, count)].slice(0, count) : [];
    return { times, description: describeTrigger(trigger) };
  }

  private ownerFor(requested: string | undefined, actor: Actor): string {
    if (requested === undefined || requested === actor.id) return actor.id;
    if (actor.role !== 'admin') throw forbidden('only an admin may set ownerId to another principal');
    return requested;
  }

  /**
   * The access policy's answer for this request (core/access): not_found when the actor may not read
   * the job (the same answer as a missing job: ids cannot be probed), forbidden when it may read but
   * not do `action`.
   */
  private async allow(job: Job, actor: Actor, action: Action): Promise<void> {
    if (this.access) await this.access.authorize(actor, action, job);
    else authorize(actor, action, job, undefined);
  }

  /**
   * Which jobs a non-admin's list shows: its own and those shared with it or its teams (each for the
   * creation of the job its shares were made for).
   */
  private async visibleTo(actor: Actor): Promise<ListQuery['visibleTo']> {
    const shared = (await this.access?.sharedWith(actor)) ?? [];
    if (shared.length > MAX_SHARED_LISTED) {
      throw validationError('too many shared jobs to list', [{ path: 'query', message: `more than ${MAX_SHARED_LISTED} jobs are shared with you` }]);
    }
    return { owner: actor.id, shared: shared.map((x) => ({ id: x.jobId, incarnation: x.incarnation })) };
  }
}

export const JOB_SORTS = ['id', '-id', 'name', '-name', 'type', '-type', 'nextRunAt', '-nextRunAt', 'lastRunAt', '-lastRunAt'] as const;
export type JobSort = (typeof JOB_SORTS)[number];
const MAX_SORTED = 10_000;

function parseSort(sort: JobSort): { field: 'id' | 'name' | 'type' | 'nextRunAt' | 'lastRunAt'; dir: 1 | -1 } {
  return sort.startsWith('-') ? { field: sort.slice(1) as never, dir: -1 } : { field: sort as never, dir: 1 };
}

/** Nulls (never run, nothing scheduled) sort last in ascending order. */
function compareBy(a: JobSummary, b: JobSummary, field: 'id' | 'name' | 'type' | 'nextRunAt' | 'lastRunAt'): number {
  const x = a[field] ?? '\uffff';
  const y = b[field] ?? '\uffff';
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function decodeOffset(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw validationError('invalid cursor', [{ path: 'query.cursor', message: 'is not a cursor of a sorted list' }]);
  return Number(m[1]);
}

/** Job types whose runs act on other users' data (cleanup deletes any job's run history). */
const ADMIN_ONLY_TYPES = new Set(['cleanup']);

function assertMayUseType(type: string, actor: Actor): void {
  if (ADMIN_ONLY_TYPES.has(type) && actor.role !== 'admin') throw forbidden(`only an admin may save '${type}' jobs`);
}

/**
 * Whether a job's state can be told without its scheduler (see JobService.get): `spec` is the spec
 * as written (undefined: it no longer compiles).
 */
function stateIsLocal(job: Job, spec: ReturnType<typeof specAsWritten>): boolean {
  if (spec === undefined || job.pauseOnFailure) return false;
  return spec === null || (spec.remainingActions === undefined && spec.jitterMs === undefined);
}

function view(stored: StoredJob): JobView {
  return {
    job: stored.job,
    state: {
      enabled: !stored.state.paused,
      nextRunAt: stored.state.nextRunTimes[0]?.toISOString() ?? null,
      lastRunAt: stored.state.lastRunAt?.toISOString() ?? null,
      running: stored.state.runningWorkflowIds,
      remainingActions: stored.state.remainingActions,
    },
  };
}

/** The client-writable fields of a stored job, for patching. */
function inputOf(job: Job): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, version: _v, incarnation: _i, ...input } = job;
  return input;
}

const isNotFound = (err: unknown) => err instanceof KairosError && err.kind === 'not_found';

/**
 * The input without the server-set incarnation: a client that sends back a job as read (Fusion's and
 * CluedIn's own round trips do) must not be refused for it, nor choose one (it would re-attach runs).
 */
function withoutReadOnly(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, 'incarnation')) return raw;
  const { incarnation: _i, ...rest } = raw as Record<string, unknown>;
  return rest;
}

/** The compiler's `triggers[0].expression` as the API's dotted `triggers.0.expression`. */
function dotted(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1');
}

function slugify(text: string): string {
  return trimChar(text.toLowerCase().replace(/[^a-z0-9]+/g, '-'), '-').slice(0, 60) || 'job';
}

/**
 * A literal URL (a secret reference is judged at run time) whose destination the egress policy
 * refuses by its syntax alone — an IP literal, `localhost`, a denied name, a Temporal or Kairos
 * endpoint — is a 400 naming the field and the rule. Names are resolved and checked at run time.
 */
function assertEgressAllowed(data: unknown, urlFields: readonly string[]): void {
  const details = [];
  for (const path of urlFields) {
    let v: unknown = data;
    for (const key of path.split('.')) v = typeof v === 'object' && v !== null && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    const reason = typeof v === 'string' ? egressPolicy().checkUrl(v) : undefined;
    if (reason) details.push({ path: `data.${path}`, message: reason });
  }
  if (details.length > 0) throw validationError('egress denied', details);
}
