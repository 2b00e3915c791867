// The trigger input model (zod schemas). compileTriggers validates with these too.
import { z } from 'zod';
import { isIsoCalendarDuration, parseDuration, parseRfc3339 } from './duration.ts';
import { isValidTimeZone } from './timezone.ts';
import { cappedString, LIMITS } from '../limits.ts';

export const CronDialectSchema = z.enum(['unix', 'quartz', 'dapr', 'hangfire'], {
  error: 'must be one of "unix", "quartz", "dapr", "hangfire"',
});

export const TimeZoneSchema = cappedString(LIMITS.timezone, { error: 'must be a string' }).refine(isValidTimeZone, { message: 'must be a valid IANA time zone (e.g. "Europe/Paris", "UTC")' });

export const Rfc3339Schema = cappedString(LIMITS.instant, { error: 'must be a string' }).refine((s) => parseRfc3339(s) !== null, { message: 'must be an RFC 3339 instant (e.g. "2026-03-01T09:00:00Z")' });

/** A positive duration: Go syntax ("15m", "1h30m") or ISO 8601 ("PT15M"). */
export const DurationSchema = cappedString(LIMITS.instant, { error: 'must be a string' }).superRefine((s, ctx) => {
  if (isIsoCalendarDuration(s)) {
    ctx.addIssue({ code: 'custom', message: 'years and months have no fixed length; use weeks, days, hours, minutes or seconds' });
    return;
  }
  const ms = parseDuration(s);
  if (ms === null) ctx.addIssue({ code: 'custom', message: 'must be a Go duration ("15m", "1h30m") or an ISO 8601 duration ("PT15M")' });
  else if (ms <= 0) ctx.addIssue({ code: 'custom', message: 'must be a positive duration' });
});

/** An instant (RFC 3339) or a positive duration (Go or ISO 8601) counted from a reference time. */
export const InstantOrDurationSchema = cappedString(LIMITS.instant, { error: 'must be a string' }).superRefine((s, ctx) => {
  if (parseRfc3339(s) !== null) return;
  if (isIsoCalendarDuration(s)) {
    ctx.addIssue({ code: 'custom', message: 'years and months have no fixed length; use weeks, days, hours, minutes or seconds' });
    return;
  }
  const ms = parseDuration(s);
  if (ms === null || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 instant, a Go duration ("10s") or an ISO 8601 duration ("PT10S")' });
  }
});

const enabled = z.boolean({ error: 'must be true or false' }).default(true);

export const CronTriggerSchema = z.object({
  type: z.literal('cron'),
  expression: cappedString(LIMITS.expression, { error: 'must be a string' }).trim().min(1, { message: 'must not be empty' }),
  dialect: CronDialectSchema.default('unix'),
  timezone: TimeZoneSchema.optional(),
  enabled,
});

export const IntervalTriggerSchema = z.object({
  type: z.literal('interval'),
  every: DurationSchema,
  startAt: Rfc3339Schema.optional(),
  endAt: Rfc3339Schema.optional(),
  enabled,
});

export const OnceTriggerSchema = z.object({
  type: z.literal('once'),
  at: InstantOrDurationSchema,
  repeats: z.number({ error: 'must be a number' }).int({ message: 'must be a whole number' }).positive({ message: 'must be positive' }).optional(),
  ttl: InstantOrDurationSchema.optional(),
  enabled,
});

export const JobEventSchema = z.enum(['succeeded', 'failed', 'aborted'], { error: 'must be "succeeded", "failed" or "aborted"' });

export const JobTriggerSchema = z.object({
  type: z.literal('job'),
  jobId: cappedString(LIMITS.id, { error: 'must be a string' }).min(1, { message: 'must not be empty' }),
  on: z.array(JobEventSchema).min(1, { message: 'must list at least one of "succeeded", "failed", "aborted"' }),
  enabled,
});

export const TriggerSchema = z.discriminatedUnion('type', [CronTriggerSchema, IntervalTriggerSchema, OnceTriggerSchema, JobTriggerSchema], {
  error: 'type must be one of "cron", "interval", "once", "job"',
}).meta({ id: 'Trigger' }); // the id names it in the API's OpenAPI documents (api/openapi.ts)

export const TriggersSchema = z.array(TriggerSchema);

export type CronDialect = z.output<typeof CronDialectSchema>;
/** A validated trigger (defaults applied). */
export type Trigger = z.output<typeof TriggerSchema>;
/** A trigger as written by a client (defaults optional). */
export type TriggerInput = z.input<typeof TriggerSchema>;
export type CronTrigger = z.output<typeof CronTriggerSchema>;
export type IntervalTrigger = z.output<typeof IntervalTriggerSchema>;
export type OnceTrigger = z.output<typeof OnceTriggerSchema>;
export type JobTrigger = z.output<typeof JobTriggerSchema>;
