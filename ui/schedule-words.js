// A job's schedule in words ("Every 15 minutes", "At 10:15, on the last Friday of the month") with
// its time zone. Cron text is read by cronstrue (a maintained describer, served by the API at
// /ui/vendor/cronstrue.js) with each dialect's own options. Quartz/Cronos day-of-month forms
// cronstrue refuses or misreads (`L-3W`, L or W inside lists such as `1,L`) get their days in words
// here and the rest by cronstrue; what remains (macros, `@every`, intervals, once triggers) is
// described by the server's own describer (POST /v1/triggers/preview → description).
// Pure: no DOM, so the unit tests run it under Node with the same cronstrue.

/**
 * cronstrue's options per Kairos cron dialect. Quartz numbers days of the week 1–7 from Sunday
 * (`6#3` = third Friday); unix, Dapr (robfig) and Hangfire (Cronos) from 0 = Sunday. Quartz, Dapr
 * and 6-field Hangfire have seconds first, which cronstrue reads from the field count.
 */
export const DIALECT_OPTIONS = {
  unix: { dayOfWeekStartIndexZero: true },
  quartz: { dayOfWeekStartIndexZero: false },
  dapr: { dayOfWeekStartIndexZero: true },
  hangfire: { dayOfWeekStartIndexZero: true },
};

const FIELD_COUNTS = { unix: [5], quartz: [6, 7], dapr: [6], hangfire: [5, 6] };

/** cronstrue's options for a dialect: its own, 24-hour times, and an exception (not an error text) when it cannot read. */
const optionsFor = (dialect) => ({ ...DIALECT_OPTIONS[dialect], use24HourTimeFormat: true, throwExceptionOnParseError: true });

/**
 * Whether cronstrue can be trusted with this expression of this dialect: a known dialect, the
 * dialect's field count, no macro, and no day-of-month form that cronstrue refuses or misreads
 * (`L-3W`, and L or W inside a list such as Quartz's `1,L`).
 */
function cronstrueReads(dialect, fields) {
  if (!Object.hasOwn(FIELD_COUNTS, dialect) || !FIELD_COUNTS[dialect].includes(fields.length)) return false;
  if (fields[0].startsWith('@')) return false;
  const dom = fields.length === 5 ? fields[2] : fields[3];
  if (/L-\d+W/i.test(dom) || (dom.includes(',') && /[LW]/i.test(dom))) return false;
  return true;
}

/** Dapr's `CRON_TZ=Zone ` / `TZ=Zone ` prefix: the zone, and the expression without it. */
function splitZone(expression) {
  const m = /^(?:CRON_TZ|TZ)=(\S+)\s(.*)$/.exec(expression.trim());
  return m ? { zone: m[1], expression: m[2].trim() } : { zone: undefined, expression: expression.trim() };
}

const ORDINAL = (n) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** One element of a Quartz/Cronos day-of-month list in words, or undefined if it is not one of these. */
function domElement(e) {
  const u = e.toUpperCase();
  if (/^\d{1,2}$/.test(u)) return `the ${ORDINAL(Number(u))}`;
  if (u === 'L') return 'the last day';
  if (u === 'LW') return 'the last weekday';
  let m = /^(\d{1,2})W$/.exec(u);
  if (m) return `the weekday nearest the ${ORDINAL(Number(m[1]))}`;
  m = /^L-(\d{1,2})(W?)$/.exec(u);
  if (m) return `${m[2] ? 'the weekday nearest ' : ''}${m[1]} day${m[1] === '1' ? '' : 's'} before the last day`;
  return undefined;
}

/**
 * A day-of-month field that cronstrue refuses (`L-3W`) or misreads (L or W inside a list): the rest
 * of the expression by cronstrue (with every day), then the days in words. Undefined if any element
 * is not a plain day, L, LW, nW, L-n or L-nW.
 */
function withDomWords(cronstrue, d, fields, domIndex) {
  const days = fields[domIndex].split(',').map(domElement);
  if (days.some((x) => x === undefined)) return undefined;
  const rest = fields.map((f, i) => (i === domIndex ? '*' : f));
  const dowIndex = domIndex + 2;
  if (d === 'quartz') rest[dowIndex] = '?';
  else rest[dowIndex] = rest[dowIndex] === '?' ? '*' : rest[dowIndex];
  const base = cronstrue.toString(rest.join(' '), optionsFor(d));
  const list = days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}` : days[0];
  return `${base}, on ${list} of the month`;
}

/**
 * One cron expression in words by cronstrue, or undefined when cronstrue cannot read it (then the
 * caller asks the server). `cronstrue` is the library object (the browser's global, or Node's module).
 */
export function cronInWords(cronstrue, dialect, rawExpression) {
  const d = dialect ?? 'unix';
  const { expression } = splitZone(rawExpression);
  const fields = expression.split(/\s+/).filter(Boolean);
  if (!cronstrue) return undefined;
  try {
    if (cronstrueReads(d, fields)) return cronstrue.toString(expression, optionsFor(d));
    const domIndex = fields.length === 5 ? 2 : 3;
    // Only Quartz and Cronos have L and W; their field counts are checked as cronstrueReads does.
    if ((d === 'quartz' || d === 'hangfire') && FIELD_COUNTS[d].includes(fields.length) && /[LW]/i.test(fields[domIndex])) return withDomWords(cronstrue, d, fields, domIndex);
    return undefined;
  } catch {
    return undefined;
  }
}

/** The trigger's time zone: Dapr's prefix, else the trigger's, else the job's (UTC by default). */
export function zoneOf(trigger, jobTimezone) {
  const fromPrefix = trigger.type === 'cron' ? splitZone(trigger.expression ?? '').zone : undefined;
  return fromPrefix ?? trigger.timezone ?? jobTimezone ?? 'UTC';
}

/**
 * A trigger in words with its time zone. `serverWords(trigger)` is the server's description (used
 * for what cronstrue cannot read); a `job` trigger is described here (it has no time).
 */
export function triggerInWords(cronstrue, trigger, jobTimezone, serverWords) {
  const off = trigger.enabled === false ? ' (off)' : '';
  if (trigger.type === 'job') return `After ${trigger.jobId} ${(trigger.on ?? []).join(' or ')}${off}`;
  const words = trigger.type === 'cron' ? cronInWords(cronstrue, trigger.dialect, trigger.expression) : undefined;
  const text = words ?? serverWords?.(trigger) ?? (trigger.type === 'cron' ? `cron ${trigger.expression}` : trigger.type);
  return `${text} (${zoneOf(trigger, jobTimezone)})${off}`;
}
