// The recorder of fire times that did not run (#17). Temporal reports skipped and missed fire times
// only as counters on the schedule (numActionsSkippedOverlap, numActionsMissedCatchupWindow); this
// periodic task of the API turns each one into a history row (./skip-store.ts) with its scheduled
// time and the reason it can prove (./gaps.ts), and tells listeners (alerts, metrics) once per row.
//
// Each tick: every job head (core/jobs/heads.ts) is evaluated in memory from its per-job watermark
// to now − settle; only jobs that had a fire time in that window (or were edited in it) cost
// anything more: one visibility query per batch of 50 such jobs (their runs in the window), their
// versions (pauses, the definition in effect at each time), and one schedule describe per job that
// shows a fire time without a run (is the scheduler past it; paused; run cap used up). Rows are
// unique per (job, incarnation, scheduled time), so several API instances may run it at once.
import type { Db } from '../db/open.ts';
import type { Job } from '../jobs/model.ts';
import { specAsWritten } from '../jobs/written-spec.ts';
import { draftOf } from '../drafts/service.ts';
import { dialectOf, RUN_JOB_WORKFLOW } from '../temporal/contract.ts';
import type { TemporalGateway } from '../temporal/gateway.ts';
import { decodeSearchAttributes, timestampToDate } from '../temporal/payloads.ts';
import { SA } from '../search-attributes.ts';
import { nextFireTimes } from '../triggers/evaluate.ts';
import type { CompiledSpec } from '../triggers/spec.ts';
import { KairosError } from '../errors.ts';
import { runPeriodically, type Periodic } from '../periodic.ts';
import { findGaps, pausesOf, type ObservedRun } from './gaps.ts';
import { quote } from './query.ts';
import { markKey, notRunId, stampOf, statusOfReason, type NotHappenedRun, type RunSkipStore } from './skip-store.ts';

/** A listener told of each fire time that did not run, once per row (never twice for a fire time). */
export type RunNotHappenedListener = (run: NotHappenedRun) => void;

export interface RecorderOptions {
  /** Fire times are judged this long after they were due (scheduler and visibility delay). */
  settleMs: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Errors of a listener or of one job's check (the tick goes on with the others). */
  report?: (err: unknown, what: string) => void;
}

/** The furthest back a job's first check (or one after a long stop of every API) looks. */
export const MAX_LOOKBACK_MS = 24 * 3_600_000;
/** Fire times judged per job per tick; a job with more catches up over the next ticks. */
export const MAX_FIRES_PER_TICK = 1000;
/** Jobs per visibility query (`KairosJobId IN (…)`). */
const BATCH = 50;
/** Workflow describes in flight at once when gaps are checked against their run ids. */
const DESCRIBE_BATCH = 8;
/** Pages of runs read per batch (runs overlapping the window). */
const MAX_RUN_PAGES = 10;

interface Candidate {
  job: Job;
  incarnation: string;
  from: number;
  until: number;
  /** The definition in effect over time, oldest first (at least the head's). */
  segments: { at: number; job: Job; author: string | null }[];
}

/** The spec without its run cap and end date, so that the first fire time they leave out is seen. */
function uncapped(spec: CompiledSpec): CompiledSpec {
  const { remainingActions: _r, endAt: _e, triggerImmediately: _t, ...rest } = spec;
  return rest;
}

const specCache = new Map<string, CompiledSpec | null>();
/** A job's uncapped spec (null: manual only or no longer compiles), cached per definition written. */
function specOf(job: Job): CompiledSpec | null {
  const key = `${job.id}\u0000${job.incarnation ?? ''}\u0000${job.version}\u0000${job.updatedAt}`;
  let s = specCache.get(key);
  if (s === undefined) {
    const written = specAsWritten(job);
    s = written ? uncapped(written) : null;
    if (specCache.size > 20_000) specCache.clear();
    specCache.set(key, s);
  }
  return s;
}

export class RunRecorder {
  private readonly listeners = new Set<RunNotHappenedListener>();
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly temporal: TemporalGateway,
    private readonly store: RunSkipStore,
    private readonly opts: RecorderOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Calls `listener` once per recorded row, on the instance that wrote it. Returns the unsubscribe. */
  onRunNotHappened(listener: RunNotHappenedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `tick` now and then every `intervalMs` (core/periodic.ts). */
  start(intervalMs: number, report: (err: unknown) => void): Periodic {
    return runPeriodically(() => this.tick(), intervalMs, report);
  }

  /** One pass over every job: records what did not run since each job's watermark. Returns the rows written. */
  async tick(): Promise<NotHappenedRun[]> {
    const now = this.now().getTime();
    const until = now - this.opts.settleMs;
    const marks = await this.store.marks();
    const heads = await this.db.kysely.selectFrom('job_heads').select(['job_id', 'definition']).where('definition', 'is not', null).execute();
    const candidates: Candidate[] = [];
    for (const h of heads) {
      let job: Job;
      try {
        job = JSON.parse(h.definition ?? '') as Job;
      } catch {
        continue;
      }
      if (draftOf(job)) continue; // a draft is never scheduled
      const incarnation = job.incarnation ?? '';
      const mark = marks.get(markKey(job.id, incarnation));
      if (mark?.closed) continue;
      const from = Math.max(mark ? Date.parse(mark.checkedUntil) : Date.parse(job.createdAt), now - MAX_LOOKBACK_MS);
      if (!(from < until)) continue;
      const edited = Date.parse(job.updatedAt) > from;
      const spec = specOf(job);
      const due = spec ? nextFireTimes(spec, new Date(from), 1)[0] : undefined;
      if (!edited && !(due && due.getTime() <= until)) continue;
      candidates.push({ job, incarnation, from, until, segments: [{ at: Date.parse(job.updatedAt), job, author: null }] });
    }
    const written: NotHappenedRun[] = [];
    for (let i = 0; i < candidates.length; i += BATCH) {
      const batch = candidates.slice(i, i + BATCH);
      const runs = await this.runsOf(batch);
      for (const c of batch) {
        try {
          written.push(...(await this.check(c, runs.get(markKey(c.job.id, c.incarnation)) ?? [])));
        } catch (err) {
          this.opts.report?.(err, `checking job ${c.job.id} for fire times that did not run`);
        }
      }
    }
    return written;
  }

  /** Runs of the batch's jobs that overlap its window, by job (and incarnation). */
  private async runsOf(batch: readonly Candidate[]): Promise<Map<string, ObservedRun[]>> {
    const out = new Map<string, ObservedRun[]>();
    const from = new Date(Math.min(...batch.map((c) => c.from))).toISOString();
    const ids = [...new Set(batch.map((c) => c.job.id))];
    const query =
      `WorkflowType = ${quote(RUN_JOB_WORKFLOW)} AND ${SA.jobId.name} IN (${ids.map(quote).join(', ')})` +
      ` AND (StartTime >= ${quote(from)} OR ExecutionStatus = 'Running' OR CloseTime >= ${quote(from)})`;
    let token: Uint8Array | undefined;
    let pages = 0;
    do {
      const res = await this.temporal.workflows.listPage({ query, pageSize: 1000, nextPageToken: token });
      for (const e of res.items) {
        const sa = decodeSearchAttributes(e.searchAttributes?.indexedFields);
        const key = markKey(sa.get(SA.jobId) ?? '', sa.get(SA.incarnation) ?? '');
        const started = timestampToDate(e.startTime)?.getTime() ?? 0;
        const closed = timestampToDate(e.closeTime)?.getTime() ?? null;
        const list = out.get(key) ?? [];
        list.push({ workflowId: e.execution?.workflowId ?? '', startedAt: started, closedAt: closed });
        out.set(key, list);
      }
      token = res.nextPageToken;
    } while (token && ++pages < MAX_RUN_PAGES);
    return out;
  }

  /** The applied versions of a job's creation (definition, when, by whom), oldest first. */
  private async versions(c: Candidate): Promise<Candidate['segments']> {
    const rows = await this.db.kysely
      .selectFrom('job_versions')
      .select(['version', 'created_at', 'definition', 'author_id'])
      .where('job_id', '=', c.job.id)
      .where('incarnation', '=', c.incarnation)
      .where('state', '=', 'applied')
      .orderBy('version', 'asc')
      .execute();
    const out: Candidate['segments'] = [];
    for (const r of rows) {
      try {
        const def = JSON.parse(r.definition) as Omit<Job, 'createdAt' | 'updatedAt' | 'version' | 'incarnation'>;
        const job: Job = { ...def, createdAt: c.job.createdAt, updatedAt: r.created_at, version: r.version, incarnation: c.job.incarnation } as Job;
        out.push({ at: Date.parse(r.created_at), job, author: r.author_id });
      } catch {
        // an unreadable version: the head's definition covers its time
      }
    }
    return out;
  }

  private async check(c: Candidate, runs: ObservedRun[]): Promise<NotHappenedRun[]> {
    const versions = await this.versions(c);
    // The definition in effect at each instant: the versions, then the head (the truth when they lag).
    const segments = versions.length ? versions : c.segments;
    const head = c.segments[0];
    const latest = segments.at(-1);
    // A version is recorded just after the schedule write it records; the head's updatedAt is when
    // that write began, so the latest version (a pause, most often) takes effect from then.
    if (head && latest && latest.job.version === head.job.version) latest.at = Math.min(latest.at, head.at);
    else if (head && (latest?.at ?? 0) < head.at) segments.push(head);
    let until = c.until;
    const fires: number[] = [];
    for (const [i, seg] of segments.entries()) {
      // A version is in effect from its write (inclusive) until the next one's (exclusive).
      const next = segments[i + 1]?.at;
      const segFrom = Math.max(c.from, seg.at - 1);
      const inSegment = (t: number) => t > c.from && t <= until && (next === undefined || t < next);
      if (segFrom >= Math.min(until, next ?? Number.POSITIVE_INFINITY)) continue;
      const spec = specOf(seg.job);
      if (!spec) continue;
      const times = nextFireTimes(spec, new Date(segFrom), MAX_FIRES_PER_TICK - fires.length).map((d) => d.getTime()).filter(inSegment);
      fires.push(...times);
      if (fires.length >= MAX_FIRES_PER_TICK) {
        until = fires[fires.length - 1] ?? until;
        break;
      }
    }
    const job = c.job;
    const overlapSkips = job.overlap !== 'allow_all';
    const endOn = job.endOn ? Date.parse(job.endOn) : undefined;
    const versionPauses = pausesOf(segments.map((s) => ({ at: s.at, enabled: s.job.enabled, author: s.author })), { paused: false });
    const base = { jobId: job.id, fireTimes: fires, runs, endOn, overlapSkips };
    // Without gaps there is nothing to ask the scheduler.
    const first = findGaps({ ...base, pauses: versionPauses, capReached: false, processedUntil: Number.POSITIVE_INFINITY });
    let result = first;
    if (first.skips.length && first.skips.some((s) => s.reason !== 'paused' && s.reason !== 'endOn')) {
      const sched = await this.scheduleState(job.id);
      if (!sched) {
        // The schedule is gone (deleted meanwhile, or retired by Temporal after its last fire): nothing to judge.
        await this.store.advance(job.id, c.incarnation, new Date(until).toISOString(), false);
        return [];
      }
      const lastRunStart = Math.max(0, ...runs.map((r) => r.startedAt));
      const pauses = pausesOf(
        segments.map((s) => ({ at: s.at, enabled: s.job.enabled, author: s.author })),
        { paused: sched.paused && job.enabled, since: lastRunStart || c.from },
      );
      // Starts wait in the scheduler's buffer (after downtime, or buffer_one/buffer_all behind a run):
      // it is first in, first out, so only fire times before the latest one that ran are settled.
      const ran = fires.filter((t) => runs.some((r) => r.workflowId === `${job.id}-${stampOf(new Date(t))}`));
      const processedUntil = sched.buffered ? Math.min(sched.processedUntil, ran.at(-1) ?? Number.NEGATIVE_INFINITY) : sched.processedUntil;
      result = findGaps({ ...base, pauses, capReached: sched.capReached, processedUntil });
      // A run the scheduler started after the visibility query above: its id, asked directly
      // (strongly consistent), turns the gap into a run — one describe per gap, and gaps are few.
      let firstStarted = -1;
      for (let i = 0; i < result.skips.length && firstStarted < 0; i += DESCRIBE_BATCH) {
        const batch = result.skips.slice(i, i + DESCRIBE_BATCH);
        const started = await Promise.all(
          batch.map(async (s) => (s.reason === 'paused' || s.reason === 'endOn' || s.reason === 'maxRuns' ? false : await this.exists(`${job.id}-${stampOf(new Date(s.scheduledAt))}`))),
        );
        if (started.includes(true)) firstStarted = i + started.indexOf(true);
      }
      if (firstStarted >= 0) {
        // Judge again from there at the next tick, with that run in the visibility answer.
        const before = result.skips.slice(0, firstStarted);
        const last = before.at(-1);
        result = { skips: before, closed: false, judgedUntil: last ? Date.parse(last.scheduledAt) : undefined, pending: true };
      }
    }
    const recordedAt = new Date(this.now().getTime()).toISOString();
    const rows: NotHappenedRun[] = result.skips.map((s) => {
      const status = statusOfReason(s.reason);
      return {
        ...s,
        id: notRunId(job.id, new Date(s.scheduledAt), status),
        jobId: job.id,
        incarnation: c.incarnation,
        ownerId: job.ownerId,
        dialect: dialectOf(job),
        jobName: job.name,
        status,
        recordedAt,
      };
    });
    const written = await this.store.record(rows);
    const mark = result.closed || !result.pending ? (result.closed ? (result.judgedUntil ?? until) : until) : (result.judgedUntil ?? c.from);
    await this.store.advance(job.id, c.incarnation, new Date(mark).toISOString(), result.closed);
    for (const w of written) {
      for (const l of this.listeners) {
        try {
          l(w);
        } catch (err) {
          this.opts.report?.(err, 'a run-not-happened listener failed');
        }
      }
    }
    return written;
  }

  /** Whether a workflow with this id exists (a describe; not found is false). */
  private async exists(workflowId: string): Promise<boolean> {
    try {
      await this.temporal.workflows.describe(workflowId);
      return true;
    } catch (err) {
      if (err instanceof KairosError && (err.kind === 'not_found' || err.kind === 'validation')) return false;
      throw err;
    }
  }

  /**
   * What the scheduler knows: paused, run cap used up, and how far it has processed fire times
   * (describe's future action times start from its last processed time: a time before the first of
   * them is behind it), and whether starts wait in its buffer (processed, not started yet). undefined
   * when the schedule does not exist.
   */
  private async scheduleState(jobId: string): Promise<{ paused: boolean; capReached: boolean; processedUntil: number; buffered: boolean } | undefined> {
    let res;
    try {
      res = await this.temporal.schedules.describe(jobId);
    } catch (err) {
      if (err instanceof KairosError && err.kind === 'not_found') return undefined;
      throw err;
    }
    const state = res.schedule?.state;
    const future = (res.info?.futureActionTimes ?? []).map((t) => timestampToDate(t)?.getTime()).filter((t): t is number => t !== undefined);
    return {
      paused: Boolean(state?.paused),
      capReached: Boolean(state?.limitedActions) && Number(state?.remainingActions ?? 0) === 0,
      processedUntil: future.length ? Math.min(...future) - 1 : Number.POSITIVE_INFINITY,
      buffered: Number(res.info?.bufferSize ?? 0) > 0,
    };
  }
}
