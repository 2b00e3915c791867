// dapr dialect = robfig/cron v3 with a seconds field, as Dapr uses it:
// 6 fields "sec min hour dom month dow"; '?' means '*' (in any field, as in robfig); names
// (JAN-DEC, SUN-SAT); lists, ranges, steps ("N/step" = N-max/step); dow 0-6 from Sunday (7 is
// also accepted as Sunday, which robfig itself rejects); an optional "CRON_TZ=Zone " or
// "TZ=Zone " prefix; @every <Go duration> (truncated to whole seconds, at least 1s, counted from
// when the schedule starts); @yearly @annually @monthly @weekly @daily @midnight @hourly.
// Day rule (robfig's dayMatches): if either dom or dow has its "star bit" - some list element
// starts with '*' or '?' and has no step above 1 - both must match; otherwise either may match.
import { CronSyntaxError } from '../errors.ts';
import { parseGoDuration } from '../duration.ts';
import { isValidTimeZone } from '../timezone.ts';
import { andDays, domValues, dowValues, irToCalendars, orDays } from './days.ts';
import { descriptorIR } from './descriptors.ts';
import { DOW_NAMES_0, MONTH_NAMES, parseList, splitFields, type FieldDef, type ParsedField } from './fields.ts';
import type { CronResult } from './types.ts';

const common = { question: true, singleWithStep: true } as const;
const SECOND: FieldDef = { label: 'second field', min: 0, max: 59, ...common };
const MINUTE: FieldDef = { label: 'minute field', min: 0, max: 59, ...common };
const HOUR: FieldDef = { label: 'hour field', min: 0, max: 23, ...common };
const DOM: FieldDef = { label: 'day-of-month field', min: 1, max: 31, ...common };
const MONTH: FieldDef = { label: 'month field', min: 1, max: 12, names: MONTH_NAMES, ...common };
const DOW: FieldDef = { label: 'day-of-week field', min: 0, max: 7, openMax: 6, names: DOW_NAMES_0, ...common };

function starBit(f: ParsedField): boolean {
  return f.elements.some((e) => e.star && e.step <= 1);
}

export function parseDapr(expr: string): CronResult {
  let text = expr.trim();
  let timezone: string | undefined;
  const tzm = /^(?:CRON_TZ|TZ)=(\S*)\s+/u.exec(text);
  if (tzm) {
    const zone = tzm[1] ?? '';
    if (!isValidTimeZone(zone)) throw new CronSyntaxError(`time zone prefix: "${zone}" must be a valid IANA time zone`);
    timezone = zone;
    text = text.slice(tzm[0].length).trim();
  } else if (/^(?:CRON_TZ|TZ)=/u.test(text)) {
    throw new CronSyntaxError('time zone prefix: expected "CRON_TZ=Zone " followed by the schedule');
  }
  const withTz = (r: CronResult): CronResult => (timezone ? { ...r, timezone } : r);
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const durText = text.slice('@every '.length).trim();
      const ms = parseGoDuration(durText);
      if (ms === null) throw new CronSyntaxError(`@every: "${durText}" is not a Go duration (e.g. 90s, 15m, 1h30m)`);
      if (ms <= 0) throw new CronSyntaxError(`@every: the duration must be positive, got "${durText}"`);
      // robfig: below one second becomes one second; otherwise truncated to whole seconds
      const everyMs = Math.max(1000, Math.floor(ms / 1000) * 1000);
      return withTz({ calendars: [], every: { everyMs } });
    }
    const ir = descriptorIR(text);
    if (!ir) throw new CronSyntaxError(`unknown descriptor "${text}" (expected @every <duration>, @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`);
    return withTz({ calendars: irToCalendars(ir) });
  }
  const f = splitFields(text);
  if (f.length !== 6) throw new CronSyntaxError(`expected 6 fields (second minute hour day-of-month month day-of-week), found ${f.length}`);
  const [secF, minF, hourF, domF, monF, dowF] = f as [string, string, string, string, string, string];
  for (const [def, t] of [[DOM, domF], [DOW, dowF]] as const) {
    if (/#/u.test(t) || /(^|[\d,])(L|W|LW)(-\d+)?(,|$)/iu.test(t)) {
      throw new CronSyntaxError(`${def.label}: "L", "W" and "#" are not supported by Dapr's cron (robfig)`);
    }
  }
  const seconds = parseList(SECOND, secF).values;
  const minutes = parseList(MINUTE, minF).values;
  const hours = parseList(HOUR, hourF).values;
  const domField = parseList(DOM, domF);
  const months = parseList(MONTH, monF).values;
  const dowField = parseList(DOW, dowF);
  const dow = [...new Set(dowField.values.map((d) => d % 7))];
  const domPart = domValues(domField.values);
  const dowPart = dowValues(dow);
  const days = starBit(domField) || starBit(dowField) ? andDays(domPart, dowPart) : orDays(domPart, dowPart);
  return withTz({ calendars: irToCalendars({ seconds, minutes, hours, months, years: null, days }) });
}
