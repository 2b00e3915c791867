// The structured calendar shape (Temporal's StructuredCalendarSpec, field for field) and the
// helpers that build and match it.
import { daysInMonth, isLeapYear } from './duration.ts';

/** Inclusive range start..end taking every step-th value; step >= 1. */
export interface Range {
  start: number;
  end: number;
  step: number;
}

/** Every field must match (AND). */
export interface Calendar {
  second: Range[];
  minute: Range[];
  hour: Range[];
  /** 1..31 */
  dayOfMonth: Range[];
  /** 1..12 */
  month: Range[];
  /** Empty = any year; otherwise explicit years in 2000..2100. */
  year: Range[];
  /** 0..6, 0 = Sunday */
  dayOfWeek: Range[];
}

export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
/** An instant past any wall time of MAX_YEAR in any zone: no calendar fires after it. */
export const END_OF_CALENDARS = Date.UTC(MAX_YEAR + 1, 0, 2);

export const ALL_YEARS: readonly number[] = range(MIN_YEAR, MAX_YEAR);
export const LEAP_YEARS: readonly number[] = ALL_YEARS.filter(isLeapYear);
export const NON_LEAP_YEARS: readonly number[] = ALL_YEARS.filter((y) => !isLeapYear(y));

export function range(start: number, end: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = start; i <= end; i += step) out.push(i);
  return out;
}

/**
 * The shortest-looking exact cover of a set of integers by ranges: repeatedly take the smallest
 * uncovered value and the longest arithmetic progression from it that stays inside the set
 * (ranges may overlap; membership is what counts).
 */
export function toRanges(values: Iterable<number>): Range[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const set = new Set(sorted);
  const covered = new Set<number>();
  const max = sorted[sorted.length - 1] ?? 0;
  const out: Range[] = [];
  for (const v of sorted) {
    if (covered.has(v)) continue;
    let best: Range = { start: v, end: v, step: 1 };
    let bestLen = 1;
    for (let step = 1; v + step <= max; step++) {
      if (!set.has(v + step)) continue;
      let end = v;
      let len = 1;
      while (set.has(end + step)) {
        end += step;
        len++;
      }
      // prefer ranges that cover new values; count only uncovered ones
      let fresh = 0;
      for (let x = v; x <= end; x += step) if (!covered.has(x)) fresh++;
      if (fresh > bestLen || (fresh === bestLen && len > bestLen)) {
        best = { start: v, end, step };
        bestLen = fresh;
      }
    }
    for (let x = best.start; x <= best.end; x += best.step) covered.add(x);
    out.push(best);
  }
  return out;
}

export function expandRanges(ranges: readonly Range[]): number[] {
  const out = new Set<number>();
  for (const r of ranges) for (let x = r.start; x <= r.end; x += Math.max(1, r.step)) out.add(x);
  return [...out].sort((a, b) => a - b);
}

/** A calendar turned into lookup tables for fast matching. */
export interface MatchTable {
  second: boolean[];
  minute: boolean[];
  hour: boolean[];
  dom: boolean[];
  month: boolean[];
  dow: boolean[];
  /** null = any year */
  year: boolean[] | null;
}

function table(ranges: readonly Range[], size: number): boolean[] {
  const t = new Array<boolean>(size).fill(false);
  for (const v of expandRanges(ranges)) if (v >= 0 && v < size) t[v] = true;
  return t;
}

export function toMatchTable(c: Calendar): MatchTable {
  return {
    second: table(c.second, 60),
    minute: table(c.minute, 60),
    hour: table(c.hour, 24),
    dom: table(c.dayOfMonth, 32),
    month: table(c.month, 13),
    dow: table(c.dayOfWeek, 7),
    year: c.year.length === 0 ? null : table(c.year, MAX_YEAR + 1),
  };
}

/** Smallest index >= from with t[index] true, or -1. */
function nextIn(t: readonly boolean[], from: number): number {
  for (let i = from; i < t.length; i++) if (t[i]) return i;
  return -1;
}

function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/**
 * The first wall-clock second >= wallMs (wall time written as if it were UTC) matched by the
 * table, or null if there is none up to the end of 2100. Walks field by field, outermost first.
 */
export function nextWallMatch(t: MatchTable, wallMs: number): number | null {
  const start = new Date(Math.ceil(wallMs / 1000) * 1000);
  let y = start.getUTCFullYear();
  let mo = start.getUTCMonth() + 1;
  let d = start.getUTCDate();
  let h = start.getUTCHours();
  let mi = start.getUTCMinutes();
  let s = start.getUTCSeconds();
  if (y < MIN_YEAR) {
    y = MIN_YEAR;
    mo = 1;
    d = 1;
    h = 0;
    mi = 0;
    s = 0;
  }
  for (;;) {
    if (y > MAX_YEAR) return null;
    if (t.year && !t.year[y]) {
      const ny = nextIn(t.year, y + 1);
      if (ny < 0) return null;
      y = ny;
      mo = 1;
      d = 1;
      h = mi = s = 0;
      continue;
    }
    if (!t.month[mo]) {
      const nm = nextIn(t.month, mo + 1);
      if (nm < 0) {
        y++;
        mo = 1;
      } else mo = nm;
      d = 1;
      h = mi = s = 0;
      continue;
    }
    if (d > daysInMonth(y, mo) || !t.dom[d] || !t.dow[weekday(y, mo, d)]) {
      const nd = t.dom[d] ? d + 1 : nextIn(t.dom, d + 1);
      if (nd < 0 || nd > daysInMonth(y, mo)) {
        mo++;
        if (mo > 12) {
          mo = 1;
          y++;
        }
        d = 1;
      } else d = nd;
      h = mi = s = 0;
      continue;
    }
    if (!t.hour[h]) {
      const nh = nextIn(t.hour, h + 1);
      if (nh < 0) {
        d++;
        h = 0;
      } else h = nh;
      mi = s = 0;
      continue;
    }
    if (!t.minute[mi]) {
      const nmi = nextIn(t.minute, mi + 1);
      if (nmi < 0) {
        h++;
        if (h > 23) {
          h = 0;
          d++;
        }
        mi = 0;
      } else mi = nmi;
      s = 0;
      continue;
    }
    if (!t.second[s]) {
      const ns = nextIn(t.second, s + 1);
      if (ns < 0) {
        s = 0;
        mi++;
        if (mi > 59) {
          mi = 0;
          h++;
          if (h > 23) {
            h = 0;
            d++;
          }
        }
      } else s = ns;
      continue;
    }
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
}
