// Time-zone arithmetic on top of Intl (no dependencies): UTC offsets and the instants where they
// change. Offsets are whole seconds for every zone after 2000, so everything works in ms.

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(tz: string): boolean {
  if (tz.length === 0) return false;
  // Building an Intl.DateTimeFormat costs a fraction of a millisecond and every job validation asks;
  // a valid zone's formatter is kept (and reused by the evaluator), so later checks are a lookup.
  if (formatters.has(tz)) return true;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

function isUtc(tz: string): boolean {
  return tz === 'UTC' || tz === 'Etc/UTC' || tz === 'Etc/GMT' || tz === 'GMT';
}

/** Wall-clock time minus instant, in ms, at the given instant. */
export function offsetAt(tz: string, instantMs: number): number {
  if (isUtc(tz)) return 0;
  const t = Math.floor(instantMs / 1000) * 1000;
  const parts = formatter(tz).formatToParts(new Date(t));
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value === 'BC' || p.value === 'B';
        break;
      default:
        break;
    }
  }
  if (bc) y = 1 - y;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  return wall - t;
}

export interface Transition {
  /** First instant (ms) with the new offset. */
  at: number;
  offsetBefore: number;
  offsetAfter: number;
}

const DAY = 86_400_000;
const transitionCache = new Map<string, Transition[]>();

/**
 * Offset transitions whose instant falls in the given UTC year, found by sampling every 12 hours and
 * bisecting to the second (tz rules never change twice within 12 hours).
 */
export function transitionsInYear(tz: string, year: number): Transition[] {
  if (isUtc(tz)) return [];
  const key = `${tz}|${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const out: Transition[] = [];
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const step = DAY / 2;
  let prevT = start;
  let prevOff = offsetAt(tz, start);
  for (let t = start + step; t <= end; t += step) {
    const off = offsetAt(tz, t);
    if (off !== prevOff) {
      // bisect in whole seconds: offset(lo) = prevOff, offset(hi) = off
      let lo = prevT / 1000;
      let hi = t / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(tz, mid * 1000) === prevOff) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi * 1000, offsetBefore: prevOff, offsetAfter: off });
    }
    prevT = t;
    prevOff = off;
  }
  transitionCache.set(key, out);
  return out;
}

/** The first transition strictly after `instantMs`, looking no further than the end of `maxYear`. */
export function nextTransition(tz: string, instantMs: number, maxYear: number): Transition | null {
  if (isUtc(tz)) return null;
  for (let y = new Date(instantMs).getUTCFullYear(); y <= maxYear; y++) {
    for (const tr of transitionsInYear(tz, y)) {
      if (tr.at > instantMs) return tr;
    }
  }
  return null;
}

const yearStartOffsets = new Map<string, number>();

/**
 * offsetAt from the cached transition table (no Intl call once a zone-year is known): the
 * evaluator's replay of Temporal's calendar algorithm asks for offsets thousands of times.
 */
export function offsetFast(tz: string, instantMs: number): number {
  if (isUtc(tz)) return 0;
  const y = new Date(instantMs).getUTCFullYear();
  const trs = transitionsInYear(tz, y);
  for (let i = trs.length - 1; i >= 0; i--) {
    const tr = trs[i];
    if (tr && tr.at <= instantMs) return tr.offsetAfter;
  }
  if (trs[0]) return trs[0].offsetBefore;
  const key = `${tz}|${y}`;
  let o = yearStartOffsets.get(key);
  if (o === undefined) {
    o = offsetAt(tz, Date.UTC(y, 0, 1));
    yearStartOffsets.set(key, o);
  }
  return o;
}

/** The wall time of `instant` in `tz`, as a Date whose UTC fields are the wall-clock fields. */
export function wallOf(tz: string, instant: number): Date {
  return new Date(instant + offsetFast(tz, instant));
}
