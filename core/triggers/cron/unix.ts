// unix (Vixie cron) dialect: 5 fields "min hour dom month dow"; names; lists, ranges, steps
// ("N/step" is read as N-max/step, as cronie and most libraries do); dow 0-7 with 7 = Sunday;
// @yearly @annually @monthly @weekly @daily @midnight @hourly.
// Day rule (Vixie): if BOTH dom and dow are restricted (their text does not start with '*') the day
// matches when EITHER matches; otherwise both must match (a '*'-led field like */2 still restricts
// by its own values).
import { CronSyntaxError } from '../errors.ts';
import { andDays, domValues, dowValues, irToCalendars, orDays } from './days.ts';
import { descriptorIR } from './descriptors.ts';
import { DOW_NAMES_0, MONTH_NAMES, parseList, splitFields, type FieldDef } from './fields.ts';
import type { CronResult } from './types.ts';

const MINUTE: FieldDef = { label: 'minute field', min: 0, max: 59, singleWithStep: true };
const HOUR: FieldDef = { label: 'hour field', min: 0, max: 23, singleWithStep: true };
const DOM: FieldDef = { label: 'day-of-month field', min: 1, max: 31, singleWithStep: true };
const MONTH: FieldDef = { label: 'month field', min: 1, max: 12, names: MONTH_NAMES, singleWithStep: true };
const DOW: FieldDef = { label: 'day-of-week field', min: 0, max: 7, names: DOW_NAMES_0, singleWithStep: true };

export function parseUnix(expr: string): CronResult {
  const text = expr.trim();
  if (text.startsWith('@')) {
    const ir = descriptorIR(text.toLowerCase());
    if (!ir) throw new CronSyntaxError(`unknown shorthand "${text}" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`);
    return { calendars: irToCalendars(ir) };
  }
  const f = splitFields(text);
  if (f.length !== 5) throw new CronSyntaxError(`expected 5 fields (minute hour day-of-month month day-of-week), found ${f.length}`);
  const [minF, hourF, domF, monF, dowF] = f as [string, string, string, string, string];
  for (const [def, t] of [[DOM, domF], [DOW, dowF]] as const) {
    if (/[?#]/u.test(t) || /(^|[\d,])(L|W|LW)(-\d+)?(,|$)/iu.test(t)) {
      throw new CronSyntaxError(`${def.label}: "?", "L", "W" and "#" are not unix cron (use the quartz or hangfire dialect)`);
    }
  }
  const minutes = parseList(MINUTE, minF).values;
  const hours = parseList(HOUR, hourF).values;
  const dom = parseList(DOM, domF).values;
  const months = parseList(MONTH, monF).values;
  const dow = [...new Set(parseList(DOW, dowF).values.map((d) => d % 7))];
  const domStar = domF.startsWith('*');
  const dowStar = dowF.startsWith('*');
  const days = !domStar && !dowStar ? orDays(domValues(dom), dowValues(dow)) : andDays(domValues(dom), dowValues(dow));
  return { calendars: irToCalendars({ seconds: [0], minutes, hours, months, years: null, days }) };
}
