// describeTrigger: a short human description of one trigger.
import { expandRanges, type Calendar, type Range } from './calendar.ts';
import { parseCron } from './cron/index.ts';
import type { CronResult } from './cron/types.ts';
import type { CronDialect, TriggerInput } from './model.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function listText(ranges: readonly Range[], name: (v: number) => string): string {
  return ranges
    .map((r) => {
      if (r.start === r.end) return name(r.start);
      if (r.step === 1) return `${name(r.start)} through ${name(r.end)}`;
      return `every ${r.step} from ${name(r.start)} through ${name(r.end)}`;
    })
    .join(', ');
}

function isFull(ranges: readonly Range[], min: number, max: number): boolean {
  const v = expandRanges(ranges);
  return v.length === max - min + 1 && v[0] === min;
}

function single(ranges: readonly Range[]): number | undefined {
  const v = expandRanges(ranges);
  return v.length === 1 ? v[0] : undefined;
}

function describeCalendar(c: Calendar): string {
  const parts: string[] = [];
  const s = single(c.second);
  const m = single(c.minute);
  const h = single(c.hour);
  if (s !== undefined && m !== undefined && h !== undefined) parts.push(`at ${pad(h)}:${pad(m)}:${pad(s)}`);
  else {
    const secText = isFull(c.second, 0, 59) ? 'every second' : `at second ${listText(c.second, String)}`;
    const minText = isFull(c.minute, 0, 59) ? 'of every minute' : `past minute ${listText(c.minute, String)}`;
    const hourText = isFull(c.hour, 0, 23) ? 'of every hour' : `of hour ${listText(c.hour, String)}`;
    parts.push(`${secText} ${minText} ${hourText}`);
  }
  if (!isFull(c.dayOfMonth, 1, 31)) parts.push(`on day ${listText(c.dayOfMonth, String)} of the month`);
  if (!isFull(c.dayOfWeek, 0, 6)) parts.push(`on ${listText(c.dayOfWeek, (v) => DAYS[v] ?? String(v))}`);
  if (!isFull(c.month, 1, 12)) parts.push(`in ${listText(c.month, (v) => MONTHS[v] ?? String(v))}`);
  if (c.year.length > 0) parts.push(`in ${listText(c.year, String)}`);
  return parts.join(' ');
}

function parse(expression: string, dialect: CronDialect): CronResult | null {
  try {
    return parseCron(expression, dialect);
  } catch {
    return null;
  }
}

export function describeTrigger(t: TriggerInput): string {
  const off = t.enabled === false ? ' (disabled)' : '';
  switch (t.type) {
    case 'cron': {
      const dialect = t.dialect ?? 'unix';
      const res = parse(t.expression, dialect);
      const tz = t.timezone ?? res?.timezone;
      const zone = tz ? `, ${tz}` : '';
      if (!res) return `invalid ${dialect} cron "${t.expression}"${off}`;
      if (res.every) return `every ${res.every.everyMs / 1000}s${off}`;
      const [first] = res.calendars;
      if (res.calendars.length === 1 && first) return `${describeCalendar(first)}${zone}${off}`;
      return `${dialect} cron "${t.expression.trim()}"${zone}${off}`;
    }
    case 'interval': {
      const from = t.startAt ? ` from ${t.startAt}` : '';
      const until = t.endAt ? ` until ${t.endAt}` : '';
      return `every ${t.every}${from}${until}${off}`;
    }
    case 'once': {
      const rep = t.repeats !== undefined ? `, ${t.repeats} time${t.repeats === 1 ? '' : 's'} at most` : '';
      const ttl = t.ttl !== undefined ? `, expiring after ${t.ttl}` : '';
      const when = /^\d{4}-/u.test(t.at) ? `at ${t.at}` : `${t.at} from now`;
      return `once ${when}${rep}${ttl}${off}`;
    }
    case 'job':
      return `after job ${t.jobId} ${t.on.join(' or ')}${off}`;
  }
}
