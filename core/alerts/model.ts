// The alert rule model: when a rule fires (`when`) and where its alert goes (`channel`). Parsed with
// zod at the API; the same schemas describe the rules in the OpenAPI document. A rule is either on
// one job (`jobId`; whoever may edit the job manages it) or global (no `jobId`; admins only, it
// sees every job's events).
import { z } from 'zod';
import { parseDurationMs } from '../duration.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../secrets/refs.ts';

/** The events a rule can fire on. */
export const ALERT_EVENTS = ['failed', 'consecutiveFailures', 'recovered', 'longerThan', 'skipped', 'missed'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** A run may be watched by at most this many `longerThan` thresholds (each is one workflow timer). */
export const MAX_LONGER_THAN_THRESHOLDS = 5;
/** The shortest `longerThan`: shorter ones would fire on ordinary runs and are noise, not alerts. */
export const MIN_LONGER_THAN_MS = 1000;

/**
 * A non-empty id of at most `max` characters without NUL: a NUL names nothing, and PostgreSQL would
 * refuse the whole statement over it (a 500, not a 400).
 */
export const idString = (max: number) => z.string().min(1).max(max).refine((v) => !v.includes('\u0000'), 'must not contain NUL');

const duration = z
  .string()
  .max(64)
  .refine((v) => {
    const ms = parseDurationMs(v);
    return ms !== undefined && ms >= MIN_LONGER_THAN_MS && ms <= 366 * 86_400_000;
  }, `must be a duration from 1s to 366d, e.g. "90s", "15m", "2h"`);

/** When a rule fires (`when`). */
export const AlertConditionSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('failed').describe('every failed run') }).strict(),
  z
    .object({
      event: z.literal('consecutiveFailures'),
      count: z.number().int().min(2, 'must be at least 2 (use "failed" for every failure)').max(1000).describe('fires once, at the run that makes the streak this long'),
    })
    .strict(),
  z.object({ event: z.literal('recovered').describe('a succeeded run after one or more failed runs') }).strict(),
  z.object({ event: z.literal('longerThan'), duration: duration.describe('fires while the run is still running, once it has run this long') }).strict(),
  z.object({ event: z.literal('skipped').describe('a fire time left out by a decision (overlap, pause, DST policy, run cap, end date)') }).strict(),
  z.object({ event: z.literal('missed').describe('a fire time nothing ran (outside the catch-up window after downtime)') }).strict(),
]);
export type AlertCondition = z.output<typeof AlertConditionSchema>;

/** A header value: text, or a reference to one of the rule owner's secrets. */
const HeaderValue = z.union([
  // eslint-disable-next-line no-control-regex -- exactly the control characters a header value may not hold (tab aside)
  z.string().max(8192).regex(/^[^\u0000-\u0008\u000a-\u001f\u007f]*$/, 'must not contain control characters (a header value is one line)'),
  z.object({ $secret: z.string().regex(SECRET_NAME_PATTERN, `$secret ${SECRET_NAME_RULE}`) }).strict(),
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers Kairos sets itself, or that would change how the request travels. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type']);

/** An HTTP POST of the event, as JSON or as a Slack message. */
export const WebhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
    headers: z
      .record(z.string(), HeaderValue)
      .default({})
      .superRefine((h, ctx) => {
        for (const k of Object.keys(h)) {
          if (!HEADER_NAME.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'is not a valid header name' });
          else if (RESERVED_HEADERS.has(k.toLowerCase())) ctx.addIssue({ code: 'custom', path: [k], message: 'is set by Kairos' });
        }
        if (Object.keys(h).length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 headers' });
      })
      .describe('extra request headers; a value may be {"$secret": "NAME"}, one of the rule owner\'s secrets'),
    preset: z.enum(['json', 'slack']).default('json').describe('json: the body template (default: the standard payload); slack: a Slack-compatible {"text", "blocks"} body'),
    // Any JSON (request bodies are parsed JSON); z.json() is recursive, which the OpenAPI document cannot reference.
    body: z.unknown().optional().describe('json preset: a JSON template; every string may hold {{placeholders}} (see the README), a string that is one placeholder takes its value\'s type'),
  })
  .strict();

/** A plain-text e-mail through the operator's SMTP server (KAIROS_SMTP_URL). */
export const EmailChannelSchema = z
  .object({
    type: z.literal('email'),
    to: z.array(z.email({ message: 'must be an e-mail address' })).min(1, 'must name at least one recipient').max(50),
    subject: z.string().min(1).max(500).optional().describe('a template; default "[Kairos] {{summary}}"'),
  })
  .strict();

/** Where a rule's alert goes (`channel`). */
export const AlertChannelSchema = z.discriminatedUnion('type', [WebhookChannelSchema, EmailChannelSchema]);
export type AlertChannel = z.output<typeof AlertChannelSchema>;
export type WebhookChannel = z.output<typeof WebhookChannelSchema>;
export type EmailChannel = z.output<typeof EmailChannelSchema>;

/** A rule as a client writes it (POST and PUT /v1/alerts/rules). */
export const AlertRuleInputSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200)
      .refine((v) => !v.includes('\u0000'), 'must not contain NUL'),
    jobId: idString(400).optional().describe('the job the rule watches; absent: every job (admins only)'),
    enabled: z.boolean().default(true),
    when: AlertConditionSchema,
    channel: AlertChannelSchema,
  })
  .strict();
export type AlertRuleInput = z.output<typeof AlertRuleInputSchema>;

/** A rule as the API returns it. */
export const AlertRuleSchema = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  // null: a global rule (every job)
  jobId: z.string().nullable(),
  enabled: z.boolean(),
  when: AlertConditionSchema,
  channel: AlertChannelSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'AlertRule' }); // names it in the API's OpenAPI documents (api/openapi.ts)
export type AlertRule = z.output<typeof AlertRuleSchema>;

/** A delivery as the API returns it. */
export const AlertDeliverySchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  jobId: z.string(),
  runId: z.string(),
  event: z.enum(ALERT_EVENTS),
  channel: z.enum(['webhook', 'email']),
  attempts: z.number().describe('delivery attempts made so far'),
  status: z.enum(['pending', 'sent', 'failed']).describe('failed: every attempt failed; never tried again'),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
}).meta({ id: 'AlertDelivery' });
export type AlertDelivery = z.output<typeof AlertDeliverySchema>;

/** The `longerThan` threshold of a condition in milliseconds (undefined for other conditions). */
export function longerThanMs(c: AlertCondition): number | undefined {
  return c.event === 'longerThan' ? parseDurationMs(c.duration) : undefined;
}
