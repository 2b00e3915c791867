// The canonical job: one model that the native API and all five dialects translate to and from.
// zod is the single definition: it validates input, types the code and generates the OpenAPI document.
import { z } from 'zod';
import { parseDurationMs } from '../duration.ts';
import { cappedString, LIMITS } from '../limits.ts';
import { TriggerSchema } from '../triggers/model.ts';
import { DstSchema } from '../triggers/dst.ts';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
export const JobIdSchema = cappedString(LIMITS.id).regex(JOB_ID_PATTERN, 'must be 1-200 characters: letters, digits and . _ : @ - (not first)');

const Duration = cappedString(LIMITS.instant).refine((v) => parseDurationMs(v) !== undefined, 'must be a duration such as "30s", "5m", "1h30m" or "PT15M"');

const IsoInstant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).max(LIMITS.instant);

const TimeZone = cappedString(LIMITS.timezone).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "UTC" or "America/New_York"');

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export const HISTORY_STRATEGIES = ['OFF', 'MINIMAL', 'ERROR', 'FULL'] as const;

export const RetrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(1000).default(3).describe('total attempts, 1 = no retry'),
    initialInterval: Duration.default('1s'),
    backoff: z.number().min(1).max(100).default(2).describe('multiplier between retry intervals'),
    maxInterval: Duration.optional(),
    nonRetryableErrors: z.array(z.string().min(1).max(LIMITS.errorName)).max(50).default([]),
  })
  .strict();

export const TimeoutSchema = z
  .object({
    startToClose: Duration.default('1h').describe('one attempt'),
    scheduleToClose: Duration.optional().describe('all attempts together'),
    heartbeat: Duration.optional().describe('a driver that reports progress must do so this often'),
  })
  .strict();

export const MisfireSchema = z
  .object({
    // A day, so that a run missed during an outage or an overloaded server still happens (once, with
    // the default overlap 'skip', like Quartz's fire-once-now misfire policy) instead of being dropped.
    catchupWindow: Duration.default('24h').describe('how far back missed fire times are still run after downtime'),
  })
  .strict();

export const HistorySchema = z
  .object({
    strategy: z.enum(HISTORY_STRATEGIES).default('FULL'),
    retentionDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

/** What a client sends to create or replace a job. */
export const JobInputSchema = z
  .object({
    id: JobIdSchema.optional(),
    name: cappedString(LIMITS.name).trim().min(1).optional(),
    slug: cappedString(LIMITS.slug).regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be lower-case letters, digits and -').optional(),
    type: cappedString(LIMITS.type).min(1).default('http'),
    description: cappedString(LIMITS.description).default(''),
    notes: cappedString(LIMITS.notes).default(''),
    ownerId: cappedString(LIMITS.id).min(1).optional(),
    tags: z.array(cappedString(LIMITS.tag).min(1)).max(50).default([]),
    enabled: z.boolean().default(true),
    triggers: z.array(TriggerSchema).max(100).default([]),
    timezone: TimeZone.default('UTC'),
    dst: DstSchema.optional().describe(
      'DST policy of the cron triggers: gap "skip" | "shift" (a time the spring change skips), overlap "first" | "second" | "both" (a time the fall change repeats); each half left out takes the cron dialect\'s default',
    ),
    startOn: IsoInstant.optional(),
    endOn: IsoInstant.optional(),
    jitter: Duration.optional(),
    maxRuns: z.number().int().min(1).max(1_000_000).optional().describe('stop firing after this many scheduled runs'),
    data: z.record(z.string(), z.unknown()).default({}),
    retry: RetrySchema.default(RetrySchema.parse({})),
    timeout: TimeoutSchema.default(TimeoutSchema.parse({})),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    misfire: MisfireSchema.default(MisfireSchema.parse({})),
    pauseOnFailure: z.boolean().default(false),
    history: HistorySchema.default(HistorySchema.parse({})),
    extras: z.record(z.string(), z.unknown()).default({}).describe('per-dialect fields kept verbatim'),
  })
  .strict()
  // The id names the schema in the API's OpenAPI documents (a shared component; api/openapi.ts).
  .meta({ id: 'JobInput' });

export type JobInput = z.input<typeof JobInputSchema>;
export type JobSpec = z.output<typeof JobInputSchema>;

/** A stored job: the spec plus identity and bookkeeping. */
export const JobSchema = JobInputSchema.extend({
  id: JobIdSchema,
  name: z.string(),
  ownerId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().min(1).describe('increments on every change; send it as If-Match'),
  /**
   * Random per creation of this id, kept across edits: runs, shares, favorites and natural ids are
   * matched on it, so none of a deleted job's attach to a later job with the same id. Set by the
   * server only (ignored on input). Absent on jobs created before incarnations existed (legacy).
   */
  incarnation: z.string().optional().describe('read-only: which creation of this job id this is'),
}).meta({ id: 'Job' });
export type Job = z.output<typeof JobSchema>;

/** What a list returns per job: answered from the schedule list alone (no describe per job). */
export interface JobSummary {
  id: string;
  name: string;
  type: string;
  ownerId: string;
  tags: string[];
  enabled: boolean;
  dialect: string;
  /** See Job.incarnation (absent on legacy jobs). */
  incarnation?: string;
  nextRunAt: string | null;
  lastRunAt: string | null;
  /**
   * How the newest run the schedule started ended, as Temporal's schedule list reports it (its
   * recent actions carry each started workflow's status, eventually consistent): `none` when the
   * schedule has started none (runs started by hand are not the schedule's and do not count).
   */
  lastOutcome?: LastOutcome;
}

/** A job's last outcome (see JobSummary.lastOutcome); `unknown`: the schedule has not seen the status yet. */
export const LAST_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out', 'running', 'none', 'unknown'] as const;
export type LastOutcome = (typeof LAST_OUTCOMES)[number];

export type RunOutcome = 'succeeded' | 'failed' | 'aborted';
export type TriggeredBy = 'schedule' | 'manual' | 'dependency' | 'backfill';
