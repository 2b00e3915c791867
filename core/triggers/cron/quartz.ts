// quartz dialect (org.quartz.CronExpression): 6 or 7 fields "sec min hour dom month dow [year]";
// dow 1-7 from Sunday (1 = SUN) or SUN-SAT; names case-insensitive; lists, ranges, steps with
// Quartz's own step limits; reversed ranges wrap around the field (Quartz does that: 22-2 in hours
// = 22,23,0,1,2); "N/step" = N..max. Day of month: L, L-n (n <= 30), LW, L-nW, nW, alone or in a
// list with days (`1,L`, `2W,16`: the union); day of week:
// L alone (= 7 = Saturday, as Quartz reads it), nL (last weekday n), n#k (k-th weekday n).
// One of dom / dow must be '?'; '*' in both is accepted (every day) and a '*' next to a restricted
// field is read as '?'; both restricted is rejected (Quartz rejects it). Year: 2000-2100 explicit
// values ('*' = any, '*/n' counts from 1970 as Quartz does).
import { CronSyntaxError } from '../errors.ts';
import { MAX_YEAR, MIN_YEAR } from '../calendar.ts';
import { andDays, anyDay, domValues, dowValues, irToCalendars, type DayPart } from './days.ts';
import { DOW_NAMES_1, MONTH_NAMES, parseList, splitFields, type FieldDef } from './fields.ts';
import { parseQuartzDomList, parseSpecialDow } from './special.ts';
import type { CronResult } from './types.ts';

const common = { wrap: true, singleWithStep: true } as const;
const SECOND: FieldDef = { label: 'second field', min: 0, max: 59, maxStep: 59, ...common };
const MINUTE: FieldDef = { label: 'minute field', min: 0, max: 59, maxStep: 59, ...common };
const HOUR: FieldDef = { label: 'hour field', min: 0, max: 23, maxStep: 23, ...common };
const DOM: FieldDef = { label: 'day-of-month field', min: 1, max: 31, maxStep: 31, ...common };
const MONTH: FieldDef = { label: 'month field', min: 1, max: 12, maxStep: 12, names: MONTH_NAMES, ...common };
const DOW: FieldDef = { label: 'day-of-week field', min: 1, max: 7, maxStep: 7, names: DOW_NAMES_1, ...common };
const YEAR: FieldDef = { label: 'year field', min: 1970, max: 2199, singleWithStep: true };

function noQuestion(def: FieldDef, t: string): string {
  if (t.includes('?')) throw new CronSyntaxError(`${def.label}: "?" is only allowed in the day-of-month or day-of-week field`);
  return t;
}

function parseYears(text: string): readonly number[] | null {
  noQuestion(YEAR, text);
  if (text === '*') return null;
  for (const raw of text.split(',')) {
    if (/^\d+(-\d+)?(\/\d+)?$/u.test(raw)) {
      const written = raw.split('/')[0]?.split('-').map(Number) ?? [];
      for (const y of written) {
        if (y < MIN_YEAR || y > MAX_YEAR) throw new CronSyntaxError(`year field: ${y} is outside ${MIN_YEAR}-${MAX_YEAR}, the years Temporal schedules`);
      }
    }
  }
  const field = parseList({ ...YEAR, max: MAX_YEAR }, text.replace(/^\*\//u, '1970/').replace(/,\*\//gu, ',1970/'));
  const years = field.values.filter((y) => y >= MIN_YEAR && y <= MAX_YEAR);
  if (years.length === 0) throw new CronSyntaxError(`year field: no year in ${MIN_YEAR}-${MAX_YEAR}`);
  return years;
}

export function parseQuartz(expr: string): CronResult {
  const f = splitFields(expr);
  if (f.length !== 6 && f.length !== 7) {
    throw new CronSyntaxError(`expected 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), found ${f.length}`);
  }
  const [secF, minF, hourF, domF0, monF, dowF0, yearF] = f as [string, string, string, string, string, string, string | undefined];
  const seconds = parseList(SECOND, noQuestion(SECOND, secF)).values;
  const minutes = parseList(MINUTE, noQuestion(MINUTE, minF)).values;
  const hours = parseList(HOUR, noQuestion(HOUR, hourF)).values;
  const months = parseList(MONTH, noQuestion(MONTH, monF)).values;
  const years = yearF === undefined ? null : parseYears(yearF);

  let domF = domF0;
  let dowF = dowF0;
  if (domF === '?' && dowF === '?') throw new CronSyntaxError('day-of-month and day-of-week cannot both be "?"');
  // lenient: '*' next to a restricted field means '?', '*' in both means every day
  if (domF === '*' && dowF !== '?' && dowF !== '*') domF = '?';
  else if (dowF === '*' && domF !== '?' && domF !== '*') dowF = '?';
  else if (domF === '*' && dowF === '*') dowF = '?';
  if (domF !== '?' && dowF !== '?') {
    throw new CronSyntaxError('day-of-month and day-of-week are both restricted: Quartz needs "?" in one of them');
  }
  let days: DayPart[];
  if (dowF === '?') {
    const plain = (t: string) => domValues(parseList(DOM, noQuestion(DOM, t)).values);
    days = parseQuartzDomList(DOM, domF, { maxLastOffset: 30, allowLastOffsetW: true, quartzOverflow: true }, plain) ?? plain(domF);
  } else {
    days = parseQuartzDow(dowF);
  }
  return { calendars: irToCalendars({ seconds, minutes, hours, months, years, days: andDays(days, anyDay()) }) };
}

function parseQuartzDow(text: string): DayPart[] {
  if (text.toUpperCase() === 'L') return dowValues([6]); // Quartz: "L" alone is 7 = Saturday
  const special = parseSpecialDow(DOW, text, (v) => v - 1);
  if (special) return special;
  return dowValues(parseList(DOW, noQuestion(DOW, text)).values.map((v) => v - 1));
}
