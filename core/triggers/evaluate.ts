// nextFireTimes: an evaluator of a compiled spec with Temporal's scheduler semantics.
//  - union of all calendars and intervals, strictly after `from`, duplicates collapse;
//  - calendars are read in spec.timezone: an instant fires when its local wall-clock time matches,
//    so a wall time inside a spring-forward gap never fires and one inside a fall-back overlap fires
//    at both instants;
//  - only years 2000..2100 fire for calendars;
//  - startAt / endAt are inclusive; remainingActions caps the count;
//  - nextFireTimes then leaves out the DST skip ranges (fires runJob ends as skipped).
// Calendars are walked field by field inside windows of constant UTC offset (between two
// transitions), so a sparse calendar costs a few steps per year, not one per second.
import { MAX_YEAR, nextWallMatch, toMatchTable, type MatchTable } from './calendar.ts';
import { inDstSkip } from './dst-skip.ts';
import type { CompiledSpec, IntervalSpec } from './spec.ts';
import { nextTransition, offsetAt } from './timezone.ts';

const END_OF_CALENDARS = Date.UTC(MAX_YEAR + 1, 0, 2); // past any wall time of 2100 in any zone

function calendarTimes(tables: readonly MatchTable[], tz: string, afterMs: number, untilMs: number, count: number): number[] {
  const out: number[] = [];
  if (tables.length === 0 || count <= 0) return out;
  let t = afterMs; // exclusive lower bound, instant ms
  const hardEnd = Math.min(untilMs, END_OF_CALENDARS);
  const memos: ({ from: number; match: number | null } | undefined)[] = [];
  while (out.length < count && t < hardEnd) {
    const offset = offsetAt(tz, t + 1);
    const tr = nextTransition(tz, t + 1, MAX_YEAR + 1);
    const windowEnd = Math.min(tr ? tr.at - 1 : Number.POSITIVE_INFINITY, hardEnd); // inclusive
    const wallFrom = t + 1 + offset;
    const wallTo = windowEnd + offset;
    const found: number[] = [];
    for (const [i, table] of tables.entries()) {
      let w = wallFrom;
      for (let n = 0; n < count - out.length; n++) {
        // a match found beyond an earlier window is still the next one if we have not passed it
        const memo = memos[i];
        let m: number | null;
        if (memo && w >= memo.from && (memo.match === null || memo.match >= w)) m = memo.match;
        else {
          m = nextWallMatch(table, w);
          memos[i] = { from: w, match: m };
        }
        if (m === null || m > wallTo) break;
        found.push(m - offset);
        w = m + 1;
      }
    }
    found.sort((a, b) => a - b);
    for (const f of found) {
      if (out.length >= count) break;
      if (out[out.length - 1] !== f) out.push(f);
    }
    if (!tr) break;
    t = windowEnd;
  }
  return out;
}

function intervalTimes(iv: IntervalSpec, afterMs: number, untilMs: number, count: number): number[] {
  const out: number[] = [];
  if (iv.everyMs <= 0) return out;
  let k = Math.floor((afterMs - iv.offsetMs) / iv.everyMs) + 1;
  for (let i = 0; i < count; i++, k++) {
    const t = k * iv.everyMs + iv.offsetMs;
    if (t > untilMs) break;
    out.push(t);
  }
  return out;
}

const tableCache = new WeakMap<CompiledSpec, MatchTable[]>();

/**
 * The next `count` times the spec's job runs, strictly after `from`: Temporal's fire times without
 * those in the spec's DST skip ranges (runJob ends those at once as skipped). Temporal still counts
 * a skipped fire against remainingActions, and so does this.
 */
export function nextFireTimes(spec: CompiledSpec, from: Date, count: number): Date[] {
  const skip = spec.dstSkip;
  if (!skip || skip.length === 0) return scheduleFireTimes(spec, from, count);
  for (let want = count; ; want *= 2) {
    const raw = scheduleFireTimes(spec, from, want);
    const kept = raw.filter((t) => !inDstSkip(skip, t.getTime()));
    if (kept.length >= count || raw.length < want) return kept.slice(0, count);
  }
}

/** The next `count` fire times of the spec's schedule strictly after `from` (what Temporal fires). */
export function scheduleFireTimes(spec: CompiledSpec, from: Date, count: number): Date[] {
  const limit = Math.min(count, spec.remainingActions ?? Number.POSITIVE_INFINITY);
  if (!(limit > 0)) return [];
  let after = from.getTime();
  if (spec.startAt) after = Math.max(after, spec.startAt.getTime() - 1);
  const until = spec.endAt ? spec.endAt.getTime() : Number.POSITIVE_INFINITY;
  if (after >= until) return [];
  let tables = tableCache.get(spec);
  if (!tables) {
    tables = spec.calendars.map(toMatchTable);
    tableCache.set(spec, tables);
  }
  const all = calendarTimes(tables, spec.timezone, after, until, limit);
  for (const iv of spec.intervals) all.push(...intervalTimes(iv, after, until, limit));
  all.sort((a, b) => a - b);
  const out: Date[] = [];
  let prev = Number.NaN;
  for (const t of all) {
    if (out.length >= limit) break;
    if (t === prev) continue;
    prev = t;
    out.push(new Date(t));
  }
  return out;
}
