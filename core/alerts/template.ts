// Alert templating: the values of an event (AlertContext) put into a webhook's JSON body, a Slack
// message or an e-mail. Substitution is per JSON string value of a parsed template, never on the
// JSON text, so whatever a value holds (quotes, newlines, an error message from a target) the result
// is valid JSON. A string that is exactly one placeholder takes the value's own type (a number, or
// null when the event has no such value); placeholders inside longer text become text ('' for none).
import type { AlertEvent } from './model.ts';
import type { RunError } from '../runs/types.ts';

/** Everything an alert can say about its event. Stored with the delivery (JSON; never a secret). */
export interface AlertContext {
  event: AlertEvent;
  /** One line for people, e.g. "nightly-export failed: HttpStatus500 …". */
  summary: string;
  rule: { id: string; name: string };
  job: { id: string; name: string; type?: string; ownerId?: string };
  run: {
    id: string;
    status: string;
    trigger?: string;
    scheduledAt?: string;
    startedAt?: string;
    endedAt?: string;
    durationMs?: number;
    attempts?: number;
    /** The failure streak including this run (consecutiveFailures, recovered: the streak it ended). */
    consecutiveFailures?: number;
    /** Skipped and missed fire times: why (core/runs/types.ts SkipReason). */
    reason?: string;
  };
  error: RunError | null;
  links: { job: string; run: string; ui: string };
  /** When the event happened (ISO). */
  at: string;
}

/** Every placeholder a template may use. */
export const PLACEHOLDERS = [
  'event',
  'summary',
  'at',
  'rule.id',
  'rule.name',
  'job.id',
  'job.name',
  'job.type',
  'job.ownerId',
  'run.id',
  'run.status',
  'run.trigger',
  'run.scheduledAt',
  'run.startedAt',
  'run.endedAt',
  'run.durationMs',
  'run.attempts',
  'run.consecutiveFailures',
  'run.reason',
  'error.type',
  'error.message',
  'links.job',
  'links.run',
  'links.ui',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
const KNOWN = new Set<string>(PLACEHOLDERS);

const PLACEHOLDER = /\{\{\s*([A-Za-z.]+)\s*\}\}/g;
const ONLY_PLACEHOLDER = /^\{\{\s*([A-Za-z.]+)\s*\}\}$/;

/** A placeholder's value in `ctx` (undefined when the event has none). */
function valueOf(ctx: AlertContext, name: Placeholder): string | number | undefined {
  const [head, tail] = name.split('.') as [string, string | undefined];
  const root = (ctx as unknown as Record<string, unknown>)[head];
  const v = tail === undefined ? root : root && typeof root === 'object' ? (root as Record<string, unknown>)[tail] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

/** Placeholders a template names that do not exist, with their dotted paths in the template (for a 400). */
export function unknownPlaceholders(template: unknown, path = ''): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const walk = (v: unknown, p: string) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) if (!KNOWN.has(m[1]!)) out.push({ path: p, message: `unknown placeholder {{${m[1]}}}; known: ${PLACEHOLDERS.join(', ')}` });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, p ? `${p}.${i}` : String(i)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}.${k}` : k);
  };
  walk(template, path);
  return out;
}

/** `text` with its placeholders replaced (text; '' for a value the event lacks). */
export function renderText(text: string, ctx: AlertContext): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (KNOWN.has(name) ? String(valueOf(ctx, name as Placeholder) ?? '') : whole));
}

/** A JSON template with every string value rendered; keys are kept as written. */
export function renderJson(template: unknown, ctx: AlertContext): unknown {
  if (typeof template === 'string') {
    const only = ONLY_PLACEHOLDER.exec(template)?.[1];
    if (only !== undefined && KNOWN.has(only)) return valueOf(ctx, only as Placeholder) ?? null;
    return renderText(template, ctx);
  }
  if (Array.isArray(template)) return template.map((x) => renderJson(x, ctx));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderJson(v, ctx)]));
  return template;
}

/** The body of a webhook without a template: the standard payload (README "Alerts" shows one). */
const DEFAULT_BODY = {
  event: '{{event}}',
  summary: '{{summary}}',
  at: '{{at}}',
  rule: { id: '{{rule.id}}', name: '{{rule.name}}' },
  job: { id: '{{job.id}}', name: '{{job.name}}', type: '{{job.type}}', ownerId: '{{job.ownerId}}' },
  run: {
    id: '{{run.id}}',
    status: '{{run.status}}',
    trigger: '{{run.trigger}}',
    scheduledAt: '{{run.scheduledAt}}',
    startedAt: '{{run.startedAt}}',
    endedAt: '{{run.endedAt}}',
    durationMs: '{{run.durationMs}}',
    attempts: '{{run.attempts}}',
    consecutiveFailures: '{{run.consecutiveFailures}}',
    reason: '{{run.reason}}',
  },
  error: { type: '{{error.type}}', message: '{{error.message}}' },
  links: { job: '{{links.job}}', run: '{{links.run}}', ui: '{{links.ui}}' },
} as const;

/** The standard payload: DEFAULT_BODY rendered, with `error: null` when the event has none. */
export function defaultBody(ctx: AlertContext): unknown {
  const body = renderJson(DEFAULT_BODY, ctx) as Record<string, unknown>;
  return { ...body, error: ctx.error ? body.error : null };
}

/** Slack's mrkdwn escapes (&, <, >): a job name or an error message cannot forge a link or a mention. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack-compatible message (incoming webhooks and chat.postMessage): `text` as the fallback, `blocks` for display. */
export function slackBody(ctx: AlertContext): { text: string; blocks: unknown[] } {
  const fields = [
    `*Job:* <${ctx.links.ui}|${slackEscape(ctx.job.name)}> (\`${slackEscape(ctx.job.id)}\`)`,
    `*Run:* <${ctx.links.run}|${slackEscape(ctx.run.id)}> · ${slackEscape(ctx.run.status)}`,
    ...(ctx.error ? [`*Error:* ${slackEscape(ctx.error.type)}: ${slackEscape(ctx.error.message.slice(0, 2000))}`] : []),
  ];
  return {
    text: ctx.summary,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Kairos: ${ctx.summary}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: fields.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `rule *${slackEscape(ctx.rule.name)}* · ${ctx.event} · ${ctx.at}` }] },
    ],
  };
}

/** The default e-mail subject template. */
export const DEFAULT_SUBJECT = '[Kairos] {{summary}}';

/** A plain-text e-mail body: the summary, the facts, the links. */
export function emailText(ctx: AlertContext): string {
  const lines = [
    ctx.summary,
    '',
    `Job:    ${ctx.job.name} (${ctx.job.id})`,
    `Run:    ${ctx.run.id} (${ctx.run.status})`,
    ...(ctx.run.startedAt ? [`Start:  ${ctx.run.startedAt}`] : []),
    ...(ctx.run.scheduledAt ? [`Due:    ${ctx.run.scheduledAt}`] : []),
    ...(ctx.run.durationMs !== undefined ? [`Took:   ${ctx.run.durationMs} ms`] : []),
    ...(ctx.error ? [`Error:  ${ctx.error.type}: ${ctx.error.message}`] : []),
    '',
    `Job:    ${ctx.links.ui}`,
    `Run:    ${ctx.links.run}`,
    '',
    `Rule "${ctx.rule.name}" (${ctx.rule.id}), event ${ctx.event}.`,
  ];
  return lines.join('\n');
}

/** The one-line summary of an event. */
export function summarize(ev: { event: AlertEvent; jobName: string; error?: RunError | null; durationText?: string; streak?: number; reason?: string; scheduledAt?: string }): string {
  const n = ev.jobName;
  const error = ev.error ? `: ${ev.error.type}: ${ev.error.message}` : '';
  switch (ev.event) {
    case 'failed':
      return `${n} failed${error}`.slice(0, 500);
    case 'consecutiveFailures':
      return `${n} failed ${ev.streak ?? '?'} times in a row${error}`.slice(0, 500);
    case 'recovered':
      return `${n} recovered after ${ev.streak ?? '?'} failed run${ev.streak === 1 ? '' : 's'}`;
    case 'longerThan':
      return `${n} has been running for more than ${ev.durationText ?? '?'}`;
    case 'skipped':
    case 'missed':
      return `${n}: the run due at ${ev.scheduledAt ?? '?'} was ${ev.event} (${ev.reason ?? 'unknown reason'})`;
  }
}
