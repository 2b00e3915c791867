// The day-level algebra: every cron day rule becomes an exact union of "day parts", each an AND of
// (years?, months, days of month, days of week). L, L-n, W, LW, nL and # depend on the month's
// length, so they split by month length (31, 30, 29 = February of a leap year, 28 = February of a
// common year); leap years are listed explicitly (Temporal fires only in 2000..2100).
import { CronSyntaxError } from '../errors.ts';
import { ALL_YEARS, LEAP_YEARS, NON_LEAP_YEARS, range, toRanges, type Calendar } from '../calendar.ts';

export interface DayPart {
  /** null = any year */
  years: readonly number[] | null;
  months: readonly number[];
  dom: readonly number[];
  /** 0..6, Sunday = 0 */
  dow: readonly number[];
}

export const ALL_MONTHS: readonly number[] = range(1, 12);
export const ALL_DOM: readonly number[] = range(1, 31);
export const ALL_DOW: readonly number[] = range(0, 6);
const WEEKDAYS: readonly number[] = [1, 2, 3, 4, 5];
const FRIDAY = 5;
const MONDAY = 1;

interface MonthClass {
  length: number;
  months: readonly number[];
  years: readonly number[] | null;
}

const MONTH_CLASSES: readonly MonthClass[] = [
  { length: 31, months: [1, 3, 5, 7, 8, 10, 12], years: null },
  { length: 30, months: [4, 6, 9, 11], years: null },
  { length: 29, months: [2], years: LEAP_YEARS },
  { length: 28, months: [2], years: NON_LEAP_YEARS },
];

export function anyDay(): DayPart[] {
  return [{ years: null, months: ALL_MONTHS, dom: ALL_DOM, dow: ALL_DOW }];
}

export function domValues(values: readonly number[]): DayPart[] {
  return [{ years: null, months: ALL_MONTHS, dom: values, dow: ALL_DOW }];
}

export function dowValues(values: readonly number[]): DayPart[] {
  return [{ years: null, months: ALL_MONTHS, dom: ALL_DOM, dow: values }];
}

/** `L` (offset 0) or `L-n`: the n-th day before the last day of the month. */
export function lastDayOfMonth(offset: number): DayPart[] {
  const out: DayPart[] = [];
  for (const mc of MONTH_CLASSES) {
    const day = mc.length - offset;
    if (day >= 1) out.push({ years: mc.years, months: mc.months, dom: [day], dow: ALL_DOW });
  }
  return out;
}

/**
 * The weekday nearest to day `target` of a month of the given length, never leaving the month:
 * Saturday -> Friday before (or Monday the 3rd when the target is the 1st), Sunday -> Monday after
 * (or Friday before when the target is the last day).
 */
function nearestWeekdayParts(target: number, mc: MonthClass): DayPart[] {
  if (target < 1 || target > mc.length) return [];
  const base = { years: mc.years, months: mc.months };
  const parts: DayPart[] = [{ ...base, dom: [target], dow: WEEKDAYS }];
  // target is a Saturday
  parts.push(target === 1 ? { ...base, dom: [3], dow: [MONDAY] } : { ...base, dom: [target - 1], dow: [FRIDAY] });
  // target is a Sunday
  parts.push(target === mc.length ? { ...base, dom: [target - 2], dow: [FRIDAY] } : { ...base, dom: [target + 1], dow: [MONDAY] });
  return parts;
}

/**
 * `nW`. With `quartzOverflow`, also Quartz's behaviour for a day one past the month's end: Quartz
 * looks at the weekday of the date that day n rolls over to (the 1st of the next month) and, when
 * that is a Saturday, fires on the day before it - the month's last day, a Friday. (31W fires on
 * Friday the 30th of a 30-day month, 30W on Friday 29 February, 29W on Friday 28 February.)
 */
export function nearestWeekday(day: number, quartzOverflow = false): DayPart[] {
  return MONTH_CLASSES.flatMap((mc) =>
    quartzOverflow && day === mc.length + 1
      ? [{ years: mc.years, months: mc.months, dom: [mc.length], dow: [FRIDAY] }]
      : nearestWeekdayParts(day, mc),
  );
}

/** `LW` (offset 0) and quartz's `L-nW`: the weekday nearest to the n-th day before the last. */
export function lastNearestWeekday(offset: number): DayPart[] {
  return MONTH_CLASSES.flatMap((mc) => nearestWeekdayParts(mc.length - offset, mc));
}

/** `d#k`: the k-th (1..5) weekday d of the month. */
export function nthWeekday(dow: number, k: number): DayPart[] {
  return [{ years: null, months: ALL_MONTHS, dom: range(7 * (k - 1) + 1, 7 * k), dow: [dow] }];
}

/** `dL`: the last weekday d of the month. */
export function lastWeekday(dow: number): DayPart[] {
  return MONTH_CLASSES.map((mc) => ({ years: mc.years, months: mc.months, dom: range(mc.length - 6, mc.length), dow: [dow] }));
}

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const sb = new Set(b);
  return a.filter((x) => sb.has(x));
}

function intersectYears(a: readonly number[] | null, b: readonly number[] | null): readonly number[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return intersect(a, b);
}

function isEmpty(p: DayPart): boolean {
  return p.months.length === 0 || p.dom.length === 0 || p.dow.length === 0 || (p.years !== null && p.years.length === 0);
}

/** Both day rules must hold: the pairwise intersections. */
export function andDays(a: readonly DayPart[], b: readonly DayPart[]): DayPart[] {
  const out: DayPart[] = [];
  for (const x of a) {
    for (const y of b) {
      const p: DayPart = {
        years: intersectYears(x.years, y.years),
        months: intersect(x.months, y.months),
        dom: intersect(x.dom, y.dom),
        dow: intersect(x.dow, y.dow),
      };
      if (!isEmpty(p)) out.push(p);
    }
  }
  return out;
}

/** Either day rule: the union of both lists. */
export function orDays(a: readonly DayPart[], b: readonly DayPart[]): DayPart[] {
  return [...a, ...b];
}

/** Restricts every part to the given months and years (null = any). */
export function restrict(parts: readonly DayPart[], months: readonly number[], years: readonly number[] | null): DayPart[] {
  return andDays(parts, [{ years, months, dom: ALL_DOM, dow: ALL_DOW }]);
}

function key(values: readonly number[] | null): string {
  return values === null ? '*' : [...values].sort((a, b) => a - b).join(',');
}

function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function normaliseYears(years: readonly number[] | null): readonly number[] | null {
  if (years === null) return null;
  const set = new Set(years);
  return ALL_YEARS.every((y) => set.has(y)) ? null : [...set].sort((a, b) => a - b);
}

/** Merges parts that differ only in months, or only in years, until nothing changes. */
export function mergeParts(parts: readonly DayPart[]): DayPart[] {
  let cur = parts.filter((p) => !isEmpty(p)).map((p) => ({ ...p, years: normaliseYears(p.years) }));
  for (;;) {
    const before = cur.length;
    const byYears = new Map<string, DayPart>();
    for (const p of cur) {
      const k = `${key(p.dom)}|${key(p.dow)}|${key(p.months)}`;
      const prev = byYears.get(k);
      byYears.set(
        k,
        prev
          ? { ...p, years: prev.years === null || p.years === null ? null : normaliseYears(unionSorted(prev.years, p.years)) }
          : p,
      );
    }
    const byMonths = new Map<string, DayPart>();
    for (const p of byYears.values()) {
      const k = `${key(p.dom)}|${key(p.dow)}|${key(p.years)}`;
      const prev = byMonths.get(k);
      byMonths.set(k, prev ? { ...p, months: unionSorted(prev.months, p.months) } : p);
    }
    cur = [...byMonths.values()];
    if (cur.length === before) return cur;
  }
}

export interface CronIR {
  seconds: readonly number[];
  minutes: readonly number[];
  hours: readonly number[];
  months: readonly number[];
  /** null = any year */
  years: readonly number[] | null;
  days: readonly DayPart[];
}

/** The exact calendars of a parsed cron expression. */
export function irToCalendars(ir: CronIR): Calendar[] {
  const days = mergeParts(restrict(ir.days, ir.months, ir.years));
  if (days.length === 0) throw new CronSyntaxError('the expression can never fire');
  return days.map((p) => ({
    second: toRanges(ir.seconds),
    minute: toRanges(ir.minutes),
    hour: toRanges(ir.hours),
    dayOfMonth: toRanges(p.dom),
    month: toRanges(p.months),
    year: p.years === null ? [] : toRanges(p.years),
    dayOfWeek: toRanges(p.dow),
  }));
}
