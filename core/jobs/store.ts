// The job store: each job is one Temporal schedule whose runJob action carries the definition.
// Writes use the raw schedule RPCs (through core/temporal) so that an update carries the schedule's
// conflict token: two concurrent updates can never silently overwrite each other (the SDK's
// handle.update() sends none). Reads that need only the definition go through read(): the job's
// head in the state store (./heads.ts), kept by every write here, so that they need no describe.
import { createHash, randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { enums } from '../temporal/proto.ts';
import { KairosError, notFound } from '../errors.ts';
import { RUN_JOB_WORKFLOW } from '../temporal/contract.ts';
import { cursorOf, tokenOfCursor, type TemporalGateway } from '../temporal/gateway.ts';
import { decodeSearchAttributes, encodeSearchAttributes, timestampToDate } from '../temporal/payloads.ts';
import { SA } from '../search-attributes.ts';
import { quote, runsQuery } from '../runs/query.ts';
import { nextFireTimes } from '../triggers/evaluate.ts';
import { inDstSkip } from '../temporal/contract.ts';
import type { CompiledTriggers } from '../triggers/compile.ts';
import type { RunJobInput, StartDependentsInput } from '../runs/types.ts';
import type { Job, JobSummary, LastOutcome, TriggeredBy } from './model.ts';
import type { JobReadAccess } from './attachments.ts';
import { runLimitOf } from './run-limit.ts';
import { executionPlan } from './execution-plan.ts';
import type { HeadSnapshot, JobHeads } from './heads.ts';
import { specAsWritten } from './written-spec.ts';
import { runDetails, runSummary, type RunStart } from './run-summary.ts';
import {
  OVERLAP_TO_PROTO,
  immediatePatch,
  policiesToProto,
  runSearchAttributes,
  scheduleSearchAttributes,
  specToProto,
  stateToProto,
} from './schedule-mapping.ts';


export interface StoredJob {
  job: Job;
  /** Unique per write: tells a writer whether its update is the one Temporal kept. */
  writeId: string | undefined;
  /** Opaque token for the next conditional write. */
  conflictToken: Uint8Array;
  /** The run limit the last write set (undefined: none, or written before limits were recorded). */
  runLimit: number | undefined;
  state: {
    paused: boolean;
    nextRunTimes: Date[];
    lastRunAt: Date | null;
    runningWorkflowIds: string[];
    remainingActions: number | null;
  };
}

/**
 * A job's definition as reads that do not need the schedule's state get it: from its head when that
 * is trusted (no scheduler query), else from the schedule (then `stored` is what describe returned).
 */
export interface JobRead {
  job: Job;
  writeId: string | undefined;
  /** Set when the read described the schedule: its full state came with it. */
  stored?: StoredJob;
}

export interface ListQuery {
  type?: string;
  owner?: string;
  enabled?: boolean;
  tag?: string;
  dialect?: string;
  /**
   * Only jobs this principal may see: its own, and these shared jobs (each for the creation of its id
   * the share was made for; incarnation undefined: a legacy job).
   */
  visibleTo?: { owner: string; shared: readonly { id: string; incarnation: string | undefined }[] };
  pageSize: number;
  cursor?: string;
}

export interface ListPage {
  items: JobSummary[];
  nextCursor: string | null;
}

/**
 * Temporal refused the write outright, so it changed nothing: the id exists already, a stale conflict
 * token, a bad request. (Not found is not among them: the head of a schedule that is gone must go.)
 */
const REFUSALS: ReadonlySet<string> = new Set(['conflict', 'validation']);

/** Runs read by scheduledRuns(): the schedule's running ones and its latest closed ones. */
const SCHEDULED_RUNS_PAGE = 100;

const concurrentChange = (id: string) => new KairosError('conflict', `job '${id}' was changed concurrently; read it again and retry`);
/** A run's summary and details for Temporal Web UI (./run-summary.ts), as start options. */
const userMetadataOf = (job: Job, start: RunStart) => ({ staticSummary: runSummary(job, start), staticDetails: runDetails(job, start) });

/** What the store's Temporal calls are about: a job (its id is the schedule id). */
const jobSubject = (id: string) => ({ what: 'job', id, field: 'id' });

/**
 * Temporal deletes a schedule that is not paused and has nothing left to fire (manual only, ended,
 * its run limit used up) 7 days after its last event — a write or an action (the scheduler
 * workflow's RetentionTime, server 1.31). A head older than this margin of such a job may name a
 * schedule that is gone, so it is not trusted alone.
 */
const SCHEDULE_RETENTION_MARGIN_MS = 6 * 24 * 3600_000;

/** Whether Temporal may have removed the job's schedule on its own (see SCHEDULE_RETENTION_MARGIN_MS). */
function mayBeRetired(job: Job, now: Date): boolean {
  if (!job.enabled) return false; // a paused schedule is kept
  if (now.getTime() - new Date(job.updatedAt).getTime() < SCHEDULE_RETENTION_MARGIN_MS) return false;
  const spec = specAsWritten(job);
  // Unlimited and still firing: never idle. A run cap's remainder is the scheduler's to know.
  return !(spec && spec.remainingActions === undefined && nextFireTimes(spec, now, 1).length > 0);
}

/** `(owner = me OR (job = a AND incarnation = x) OR …)`: a principal's own jobs and those shared with it. */
function visibilityClause(v: NonNullable<ListQuery['visibleTo']>): string {
  const shared = v.shared.map(
    (s) => `(${SA.jobId.name} = ${quote(s.id)} AND ${s.incarnation === undefined ? `${SA.incarnation.name} IS NULL` : `${SA.incarnation.name} = ${quote(s.incarnation)}`})`,
  );
  return `(${[`${SA.owner.name} = ${quote(v.owner)}`, ...shared].join(' OR ')})`;
}

const OUTCOME_OF_STATUS: Partial<Record<number, LastOutcome>> = {
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'running',
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'succeeded',
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED]: 'failed',
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'cancelled',
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'terminated',
  [enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'timed_out',
};

/**
 * The outcome of the newest action in a schedule's list entry: free (ListSchedules returns it),
 * where asking visibility for each job's latest run would cost a query per job.
 */
function lastOutcomeOf(recent: readonly temporal.api.schedule.v1.IScheduleActionResult[]): LastOutcome {
  const newest = recent[recent.length - 1];
  if (!newest) return 'none';
  return OUTCOME_OF_STATUS[Number(newest.startWorkflowStatus ?? 0)] ?? 'unknown';
}

export class JobStore {
  constructor(
    private readonly temporal: TemporalGateway,
    private readonly taskQueue: string,
    /** Who may read a parent job besides its owner (shares, admins); without it, owners only. */
    private readonly readAccess?: JobReadAccess,
    /** The read model of job definitions (./heads.ts); without it every read describes the schedule. */
    private readonly heads?: JobHeads,
  ) {}

  /**
   * Runs a Temporal write under the head protocol (./heads.ts): marked pending before, the outcome
   * after. `write` returns the definition Temporal holds once it is known to have won; it passes an
   * error through `rejected` when Temporal refused the write outright (it changed nothing), so that
   * the head stays trusted — e.g. the create of an id that exists, which several surfaces try first.
   */
  private async headed<T extends { job: Job; writeId: string | undefined }>(
    id: string,
    writeId: string,
    write: (rejected: (err: unknown) => unknown) => Promise<T>,
  ): Promise<T> {
    if (!this.heads) return await write((err) => err);
    const ticket = await this.heads.begin(id, writeId);
    let refused: unknown;
    const rejected = (err: unknown) => {
      if (err instanceof KairosError && REFUSALS.has(err.kind)) refused = err;
      return err;
    };
    let out: T;
    try {
      out = await write(rejected);
    } catch (err) {
      // Any other failure may have applied the write (a timeout): the head is unknown until a read repairs it.
      await (refused === err ? this.heads.rejected(ticket) : this.heads.failed(ticket)).catch(() => undefined);
      throw err;
    }
    // Should this fail, the write's entry stays pending: reads describe the schedule until a repair.
    await this.heads.succeeded(ticket, out.job, out.writeId).catch(() => undefined);
    return out;
  }

  /**
   * A job's definition, without a scheduler query when its head is trusted. Otherwise the schedule
   * is described (the truth) and the head repaired from it: a job written before heads existed gets
   * one here, a write that stopped half-way is cleared once it is older than the bound, and a job
   * whose schedule is gone loses its head. not_found as get() for a job that does not exist.
   */
  async read(id: string): Promise<JobRead> {
    if (!this.heads) {
      const stored = await this.get(id);
      return { job: stored.job, writeId: stored.writeId, stored };
    }
    const seen = await this.heads.read(id);
    if (seen.trusted && !mayBeRetired(seen.trusted.job, new Date())) return seen.trusted;
    return await this.describeAndRepair(id, seen);
  }

  /**
   * What the scheduler's describe reports as a job's last action time and running actions, read
   * from run visibility instead (not the scheduler): the runs its schedule started (triggeredBy
   * `schedule`, immediate fires included; manual runs never counted there either) of this creation
   * of the job. Visibility lists running runs first, then closed ones by close time, so the latest
   * start is within the first page unless more than a page of them run at once. Visibility lags
   * a start or an end by up to about a second.
   */
  async scheduledRuns(job: Job): Promise<{ lastRunAt: Date | null; running: string[] }> {
    const attrs = { jobId: SA.jobId.name, owner: SA.owner.name, incarnation: SA.incarnation.name };
    const query = `${runsQuery({ jobId: job.id, incarnation: job.incarnation ?? null }, RUN_JOB_WORKFLOW, attrs)} AND ${SA.triggeredBy.name} = ${quote('schedule')}`;
    const page = await this.temporal.workflows.listPage({ query, pageSize: SCHEDULED_RUNS_PAGE });
    let last: Date | null = null;
    const running: string[] = [];
    for (const e of page.items) {
      const started = timestampToDate(e.startTime);
      if (started && (last === null || started > last)) last = started;
      if (e.status === enums.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && e.execution?.workflowId) running.push(e.execution.workflowId);
    }
    return { lastRunAt: last, running };
  }

  private async describeAndRepair(id: string, seen: HeadSnapshot): Promise<JobRead> {
    let stored: StoredJob;
    try {
      stored = await this.get(id);
    } catch (err) {
      if (err instanceof KairosError && err.kind === 'not_found') await this.heads?.repair(id, seen, null).catch(() => undefined);
      throw err;
    }
    // Best effort: the answer is the schedule's either way.
    await this.heads?.repair(id, seen, { job: stored.job, writeId: stored.writeId }).catch(() => undefined);
    return { job: stored.job, writeId: stored.writeId, stored };
  }

  private async scheduleBody(job: Job, compiled: CompiledTriggers, writeId: string, usedRuns = 0): Promise<temporal.api.schedule.v1.ISchedule> {
    const limit = runLimitOf(compiled.spec, job.enabled);
    // Only the schedule's runs carry the DST skips: a manual or dependency run is never a repeat.
    const dstSkip = compiled.spec?.dstSkip;
    const plan = { ...executionPlan(job), ...(dstSkip ? { dstSkip } : {}) };
    const input: RunJobInput = { job, plan, triggeredBy: 'schedule', writeId, ...(limit === undefined ? {} : { runLimit: limit }) };
    return {
      spec: specToProto(compiled.spec),
      action: {
        startWorkflow: {
          // Temporal appends the scheduled time: "<jobId>-2026-11-23T15:15:00Z" in Web UI.
          workflowId: job.id,
          workflowType: { name: RUN_JOB_WORKFLOW },
          taskQueue: { name: this.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          input: { payloads: await this.temporal.encode(input) },
          searchAttributes: encodeSearchAttributes(runSearchAttributes(job, 'schedule')),
          memo: { fields: { jobName: (await this.temporal.encode(job.name))[0] ?? {} } },
          // Every run the schedule starts carries it: what Web UI's Workflows list shows for the run.
          userMetadata: await this.temporal.userMetadata(runSummary(job, { kind: 'schedule' }), runDetails(job, { kind: 'schedule' })),
        },
      },
      policies: policiesToProto(job),
      state: stateToProto(job, compiled.spec, usedRuns),
    };
  }

  async create(job: Job, compiled: CompiledTriggers): Promise<void> {
    const writeId = randomUUID();
    await this.headed(job.id, writeId, async (rejected) => {
      await this.temporal.schedules.create(
        {
          scheduleId: job.id,
          schedule: await this.scheduleBody(job, compiled, writeId),
          memo: { fields: { jobName: (await this.temporal.encode(job.name))[0] ?? {} } },
          searchAttributes: encodeSearchAttributes(scheduleSearchAttributes(job, compiled.dependencies)),
          // In the same request as the schedule, so that the job and its immediate fire exist together.
          initialPatch: immediatePatch(job, compiled.spec),
        },
        jobSubject(job.id),
      ).catch((err: unknown) => Promise.reject(rejected(err)));
      return { job, writeId };
    });
  }

  async get(id: string): Promise<StoredJob> {
    const res = await this.temporal.schedules.describe(id, jobSubject(id));
    const start = res.schedule?.action?.startWorkflow;
    if (start?.workflowType?.name !== RUN_JOB_WORKFLOW) throw notFound('job', id); // a schedule Kairos does not own
    const input = await this.temporal.decode<RunJobInput>(0, start.input?.payloads);
    const info = res.info;
    const paused = Boolean(res.schedule?.state?.paused);
    const now = Date.now();
    const recent = info?.recentActions ?? [];
    const last = recent.length ? timestampToDate(recent[recent.length - 1]?.actualTime) ?? null : null;
    return {
      job: input.job,
      writeId: input.writeId,
      conflictToken: res.conflictToken ?? new Uint8Array(),
      runLimit: input.runLimit,
      state: {
        paused,
        // describe() lists future times also while paused; a paused job runs at none of them.
        nextRunTimes: paused
          ? []
          : (info?.futureActionTimes ?? [])
              .map((t) => timestampToDate(t))
              // a time in a DST skip range starts a run that ends at once as skipped: it does not run
              .filter((d): d is Date => d !== undefined && d.getTime() > now && !inDstSkip(input.plan.dstSkip, d.getTime())),
        lastRunAt: last,
        runningWorkflowIds: (info?.runningWorkflows ?? []).map((w) => w.workflowId ?? '').filter(Boolean),
        remainingActions: res.schedule?.state?.limitedActions ? Number(res.schedule.state.remainingActions ?? 0) : null,
      },
    };
  }

  /**
   * Replaces the definition; fails with 409 if the schedule changed since `conflictToken` was read.
   * Temporal's scheduler does not reject an update whose conflict token is stale: it accepts the
   * request and silently drops the change. So every write carries a unique writeId, and the store
   * reads the schedule back (describe sees every accepted update) to learn whether its write won.
   */
  /** `usedRuns`: runs of the job's limit used so far, which the new limit counts (see core/jobs/run-limit.ts). */
  async update(job: Job, compiled: CompiledTriggers, conflictToken: Uint8Array, usedRuns = 0): Promise<StoredJob> {
    const writeId = randomUUID();
    return await this.headed(job.id, writeId, async (rejected) => {
      // A stale conflict token fails as a conflict ("was changed concurrently"), a deleted job as not found.
      await this.temporal.schedules.update(
        {
          scheduleId: job.id,
          schedule: await this.scheduleBody(job, compiled, writeId, usedRuns),
          conflictToken,
          searchAttributes: encodeSearchAttributes(scheduleSearchAttributes(job, compiled.dependencies, true)),
        },
        jobSubject(job.id),
      ).catch((err: unknown) => Promise.reject(rejected(err)));
      const after = await this.get(job.id);
      // Dropped by the scheduler (a stale token): this write changed nothing.
      if (after.writeId !== writeId) throw rejected(concurrentChange(job.id));
      const patch = immediatePatch(job, compiled.spec);
      if (patch) {
        // UpdateSchedule has no initial patch: fire once the write is known to have won, so that the
        // run carries the new definition.
        await this.temporal.schedules.patch(job.id, patch, jobSubject(job.id));
      }
      return after;
    });
  }

  /**
   * Asks the job's schedule to run its fire times in [from, to] (Temporal's backfill: inclusive at
   * both ends, started as manual actions with `overlap`). Temporal starts them in the background.
   */
  async backfill(id: string, from: Date, to: Date, overlap: Job['overlap']): Promise<void> {
    await this.temporal.schedules.backfill(id, [{ start: from, end: to, overlapPolicy: OVERLAP_TO_PROTO[overlap] }], jobSubject(id));
  }

  /**
   * Deletes a job's schedule. Callers read the job first (get() is what refuses schedules Kairos
   * does not own, and what checks access), so this is one RPC: a second describe here doubled the
   * cost of a delete on a busy server.
   */
  async delete(id: string): Promise<void> {
    if (!this.heads) return await this.temporal.schedules.delete(id, jobSubject(id));
    const ticket = await this.heads.begin(id);
    try {
      await this.temporal.schedules.delete(id, jobSubject(id));
    } catch (err) {
      await this.heads.failed(ticket).catch(() => undefined);
      throw err;
    }
    // Should this fail, the entry stays pending: reads describe (not found) until a repair clears it.
    await this.heads.deleted(ticket).catch(() => undefined);
  }

  /** Lists from the schedule list alone (visibility: may lag a fresh write by up to a second or so). */
  async list(q: ListQuery): Promise<ListPage> {
    const clauses = [`${SA.jobId.name} IS NOT NULL`];
    if (q.type) clauses.push(`${SA.jobType.name} = ${quote(q.type)}`);
    if (q.owner) clauses.push(`${SA.owner.name} = ${quote(q.owner)}`);
    if (q.visibleTo) clauses.push(visibilityClause(q.visibleTo));
    if (q.tag) clauses.push(`${SA.tags.name} = ${quote(q.tag)}`);
    if (q.dialect) clauses.push(`${SA.dialect.name} = ${quote(q.dialect)}`);
    if (q.enabled !== undefined) clauses.push(`TemporalSchedulePaused = ${q.enabled ? 'false' : 'true'}`);
    const res = await this.temporal.schedules.listPage({
      query: clauses.join(' AND '),
      pageSize: q.pageSize,
      nextPageToken: tokenOfCursor(q.cursor),
    });
    const now = Date.now();
    const items: JobSummary[] = res.items.map((s) => {
      const sa = decodeSearchAttributes(s.searchAttributes?.indexedFields);
      const info = s.info;
      const recent = info?.recentActions ?? [];
      const next = (info?.futureActionTimes ?? []).map((t) => timestampToDate(t)).find((d) => d && d.getTime() > now);
      const last = recent.length ? timestampToDate(recent[recent.length - 1]?.actualTime) : undefined;
      const paused = Boolean(info?.paused);
      return {
        id: s.scheduleId ?? '',
        name: sa.get(SA.jobName) ?? s.scheduleId ?? '',
        type: sa.get(SA.jobType) ?? '',
        ownerId: sa.get(SA.owner) ?? '',
        tags: sa.get(SA.tags) ?? [],
        enabled: !paused,
        dialect: sa.get(SA.dialect) ?? 'native',
        ...(sa.get(SA.incarnation) ? { incarnation: sa.get(SA.incarnation) } : {}),
        nextRunAt: !paused && next ? next.toISOString() : null,
        lastRunAt: last ? last.toISOString() : null,
        lastOutcome: lastOutcomeOf(recent),
      };
    });
    return { items, nextCursor: cursorOf(res.nextPageToken) };
  }

  /**
   * Starts every job whose `job` trigger names this job and outcome (schedules carry
   * KairosAfterJobs = ["<jobId>:<outcome>", …]). Idempotent: a dependent run's workflow id is derived
   * from the parent run and outcome, so calling again (a retried activity) starts nothing twice.
   * `stamp` is a time that is the same on every retry (the caller's scheduled time).
   *
   * A dependent starts only while its owner may read the parent job (its owner, an admin, or a read
   * share): a share revoked since the trigger was saved stops it. A run of a parent job that has been
   * deleted (or deleted and created again: another incarnation) starts nothing.
   */
  async startDependents(parent: StartDependentsInput, stamp: Date): Promise<string[]> {
    const parentJob = await this.read(parent.jobId).then(
      (s) => s.job,
      (err: unknown) => (err instanceof KairosError && err.kind === 'not_found' ? undefined : Promise.reject(err)),
    );
    if (!parentJob || (parent.incarnation !== undefined && parentJob.incarnation !== parent.incarnation)) return [];
    const ids: string[] = [];
    for await (const s of this.temporal.schedules.list(`${SA.afterJobs.name} = ${quote(`${parent.jobId}:${parent.outcome}`)}`)) {
      if (s.scheduleId) ids.push(s.scheduleId);
    }

    const started: string[] = [];
    for (const id of ids) {
      const read = await this.read(id).catch(() => undefined); // deleted since the list
      if (!read || (await this.paused(read))) continue; // a disabled job does not run
      const { job } = read;
      if (!(await this.mayFollow(job.ownerId, parentJob))) continue;
      const suffix = createHash('sha256').update(`${parent.workflowId}\n${parent.outcome}`).digest('hex').slice(0, 8);
      const workflowId = `${job.id}-dependency-${stamp.toISOString().replace(/[:.]/g, '')}-${suffix}`;
      const cause = { jobId: parent.jobId, workflowId: parent.workflowId, outcome: parent.outcome, depth: parent.depth };
      const args: RunJobInput = { job, plan: executionPlan(job), triggeredBy: 'dependency', cause };
      try {
        await this.temporal.workflows.start(RUN_JOB_WORKFLOW, {
          taskQueue: this.taskQueue,
          workflowId,
          args: [args],
          memo: { jobName: job.name },
          searchAttributes: runSearchAttributes(job, 'dependency'),
          ...userMetadataOf(job, { kind: 'dependency', cause }),
          // Even after the dependent run closed, a second call must not start it again.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        // Started by an earlier attempt of this call: that is the idempotence.
        if (!(err instanceof KairosError && err.kind === 'conflict')) throw err;
      }
      started.push(workflowId);
    }
    return started;
  }

  /**
   * Whether the job's schedule is paused: a disabled job's is; an enabled one's only if the
   * scheduler paused it after a failed run (pauseOnFailure), which only a describe tells.
   */
  private async paused(read: JobRead): Promise<boolean> {
    if (read.stored) return read.stored.state.paused;
    if (!read.job.enabled) return true;
    return read.job.pauseOnFailure ? (await this.get(read.job.id)).state.paused : false;
  }

  /** Whether a job of `ownerId` may follow (have a `job` trigger on) `parent`. */
  private async mayFollow(ownerId: string, parent: Job): Promise<boolean> {
    return parent.ownerId === ownerId || ((await this.readAccess?.mayRead(ownerId, parent)) ?? false);
  }

  /**
   * Starts a run now, outside the schedule (so it never uses up `remainingActions`). `by`: who asked
   * (a user's name), for the run's summary in Temporal Web UI.
   */
  async startRun(job: Job, triggeredBy: TriggeredBy, opts: { input?: unknown; cause?: RunJobInput['cause']; by?: string } = {}): Promise<string> {
    const workflowId = `${job.id}-${triggeredBy}-${new Date().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`;
    const args: RunJobInput = { job, plan: executionPlan(job), triggeredBy, input: opts.input, cause: opts.cause, ...(triggeredBy === 'manual' && opts.by ? { requestedBy: opts.by } : {}) };
    const start: RunStart = triggeredBy === 'dependency' ? { kind: 'dependency', cause: opts.cause } : triggeredBy === 'schedule' ? { kind: 'schedule' } : { kind: 'manual', by: opts.by };
    await this.temporal.workflows.start(RUN_JOB_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId,
      args: [args],
      memo: { jobName: job.name },
      searchAttributes: runSearchAttributes(job, triggeredBy),
      ...userMetadataOf(job, start),
    });
    return workflowId;
  }
}
