// hangfire dialect = Cronos (HangfireIO/Cronos): 5 fields "min hour dom month dow", or 6 with a
// leading seconds field; '?' means '*' in day of month / day of week; names case-insensitive; lists,
// ranges, steps ("N/step" = N..max); reversed ranges wrap around the field (23-01 in hours = 23,0,1;
// FRI-MON; 30-2 in day of month = 30,31,1,2 — the step carries across the wrap); dow 0-7 (0 and 7
// = Sunday). Day of month: L, L-n (n <= 30), LW, nW; day of week: nL (last weekday n), n#k (k-th
// weekday n, k 1-5). When both dom and dow are restricted Cronos requires BOTH to match (AND).
// L-nW (n <= 30): the weekday nearest to the n-th day before the last, within the month (Cronos's
// own vectors: L-3W = Friday 27 January 2017). Macros (Cronos README "Macro", case-insensitive):
// @every_second @every_minute @hourly @daily @midnight @weekly @monthly @yearly @annually. A step
// must be at most the field's largest value (Cronos: */60 in minutes and 1/24 in hours are errors).
// Rejected because Cronos's meaning is not certain enough to reproduce exactly: "L" alone in day of
// week, a reversed day-of-week range starting at 7.
import { CronSyntaxError } from '../errors.ts';
import { andDays, domValues, dowValues, irToCalendars, type DayPart } from './days.ts';
import { DOW_NAMES_0, MONTH_NAMES, parseList, splitFields, type FieldDef } from './fields.ts';
import { parseSpecialDom, parseSpecialDow } from './special.ts';
import type { CronResult } from './types.ts';

/** Cronos's macros and the expressions they stand for (Cronos README, "Macro"). */
export const CRONOS_MACROS: Readonly<Record<string, string>> = {
  '@every_second': '* * * * * *',
  '@every_minute': '* * * * *',
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const common = { wrap: true, singleWithStep: true } as const;
// Cronos's ParseStep: a step between 1 and the field's last value
const SECOND: FieldDef = { label: 'second field', min: 0, max: 59, maxStep: 59, ...common };
const MINUTE: FieldDef = { label: 'minute field', min: 0, max: 59, maxStep: 59, ...common };
const HOUR: FieldDef = { label: 'hour field', min: 0, max: 23, maxStep: 23, ...common };
const DOM: FieldDef = { label: 'day-of-month field', min: 1, max: 31, maxStep: 31, question: true, ...common };
const MONTH: FieldDef = { label: 'month field', min: 1, max: 12, maxStep: 12, names: MONTH_NAMES, ...common };
const DOW: FieldDef = { label: 'day-of-week field', min: 0, max: 7, maxStep: 7, wrapMax: 6, names: DOW_NAMES_0, question: true, ...common };

function noQuestion(def: FieldDef, t: string): string {
  if (t.includes('?')) throw new CronSyntaxError(`${def.label}: "?" is only allowed in the day-of-month or day-of-week field`);
  return t;
}

export function parseHangfire(expr: string): CronResult {
  const trimmed = expr.trim();
  if (trimmed.startsWith('@')) {
    const macro = CRONOS_MACROS[trimmed.toLowerCase()];
    if (!macro) throw new CronSyntaxError(`unknown macro "${trimmed}" (expected ${Object.keys(CRONOS_MACROS).join(', ')})`);
    return parseHangfire(macro);
  }
  const f = splitFields(expr);
  if (f.length !== 5 && f.length !== 6) {
    throw new CronSyntaxError(`expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, found ${f.length}`);
  }
  const all = f.length === 6 ? f : ['0', ...f];
  const [secF, minF, hourF, domF, monF, dowF] = all as [string, string, string, string, string, string];
  const seconds = parseList(SECOND, noQuestion(SECOND, secF)).values;
  const minutes = parseList(MINUTE, noQuestion(MINUTE, minF)).values;
  const hours = parseList(HOUR, noQuestion(HOUR, hourF)).values;
  const months = parseList(MONTH, noQuestion(MONTH, monF)).values;
  const domDays: DayPart[] =
    parseSpecialDom(DOM, domF, { maxLastOffset: 30, allowLastOffsetW: true, maxLastOffsetW: 30 }) ?? domValues(parseList(DOM, domF).values);
  if (dowF.toUpperCase() === 'L') throw new CronSyntaxError('day-of-week field: "L" alone is not supported; use nL for the last weekday n of the month');
  const dowDays: DayPart[] =
    parseSpecialDow(DOW, dowF, (v) => v % 7) ?? dowValues([...new Set(parseList(DOW, dowF).values.map((v) => v % 7))]);
  return { calendars: irToCalendars({ seconds, minutes, hours, months, years: null, days: andDays(domDays, dowDays) }) };
}
