// nextFireTimes: an evaluator of a compiled spec with Temporal's scheduler semantics.
//  - union of all calendars and intervals, strictly after `from`, duplicates collapse;
//  - calendars are read in spec.timezone: away from DST transitions an instant fires when its local
//    wall-clock time matches; within three hours of one, Temporal's own algorithm is replayed
//    (temporal-calendar.ts: what it does in a gap or a repeated hour depends on the zone);
//  - only years 2000..2100 fire for calendars;
//  - startAt / endAt are inclusive; remainingActions caps the count;
//  - nextFireTimes then leaves out the DST skip ranges (fires runJob ends as skipped).
// Calendars are walked field by field inside windows of constant UTC offset (between two
// transitions), so a sparse calendar costs a few steps per year, not one per second.
import { END_OF_CALENDARS, MAX_YEAR, nextWallMatch, toMatchTable, type MatchTable } from './calendar.ts';
import { inDstSkip } from '../temporal/contract.ts';
import type { CompiledSpec, IntervalSpec } from './spec.ts';
import { temporalNext } from './temporal-calendar.ts';
import { nextTransition, offsetFast } from './timezone.ts';

/** Within this distance of a transition the evaluator replays Temporal's own algorithm. */
const NEAR_TRANSITION_MS = 3 * 3_600_000;

function nextTick(iv: IntervalSpec, afterMs: number): number {
  return (Math.floor((afterMs - iv.offsetMs) / iv.everyMs) + 1) * iv.everyMs + iv.offsetMs;
}

/**
 * The spec's fire times strictly after `afterMs` up to `untilMs` (inclusive), at most `count`, as
 * Temporal's scheduler produces them: one sequence, each next time searched from the previous one.
 * Far from a DST transition a calendar fires where its wall time matches (walked field by field
 * inside windows of constant offset, so a sparse calendar costs a few steps per year); near one,
 * Temporal's own algorithm is replayed (temporal-calendar.ts), intervals in the same sequence.
 */
export function scheduleTimes(
  tables: readonly MatchTable[],
  intervals: readonly IntervalSpec[],
  tz: string,
  afterMs: number,
  untilMs: number,
  count: number,
  /** Near a transition, resume Temporal's search from the last fire before `afterMs` (as the scheduler does). */
  resume = true,
  /** The schedule's start: no fire before it. */
  floorMs = Number.NEGATIVE_INFINITY,
): number[] {
  const out: number[] = [];
  const ivs = intervals.filter((iv) => iv.everyMs > 0);
  const calEnd = Math.min(untilMs, END_OF_CALENDARS);
  let t = afterMs; // exclusive lower bound, instant ms
  let search = afterMs; // where Temporal's own search continues from
  let resumed = !resume;
  while (out.length < count && t < untilMs) {
    const tr = tables.length > 0 && t < calEnd ? nextTransition(tz, t - NEAR_TRANSITION_MS, MAX_YEAR + 1) : null;
    if (tr && tr.at - NEAR_TRANSITION_MS <= t) {
      if (!resumed) {
        // Temporal's path through a repeated hour depends on where its search starts: from the
        // last fire before `afterMs`, as the scheduler searches from fire to fire
        search = Math.min(t, previousFire(tables, ivs, tz, t + 1, floorMs));
        resumed = true;
      }
      let m = Number.POSITIVE_INFINITY;
      for (const table of tables) {
        const n = temporalNext(table, search, tz);
        if (n !== null && n <= calEnd && n < m) m = n;
      }
      for (const iv of ivs) {
        const n = nextTick(iv, search);
        if (n <= untilMs && n < m) m = n;
      }
      if (m === Number.POSITIVE_INFINITY) break;
      search = m;
      if (m <= t) continue;
      out.push(m);
      t = m;
      continue;
    }
    resumed = !resume;
    const segEnd = Math.min(tr ? tr.at - NEAR_TRANSITION_MS : Number.POSITIVE_INFINITY, untilMs); // inclusive
    const want = count - out.length;
    const found: number[] = [];
    if (t < calEnd) {
      const offset = offsetFast(tz, t + 1);
      const calTo = Math.min(segEnd, calEnd);
      for (const table of tables) {
        let w = t + 1 + offset;
        for (let n = 0; n < want; n++) {
          const m = nextWallMatch(table, w);
          if (m === null || m - offset > calTo) break;
          found.push(m - offset);
          w = m + 1;
        }
      }
    }
    for (const iv of ivs) {
      let k = nextTick(iv, t);
      for (let n = 0; n < want && k <= segEnd; n++, k += iv.everyMs) found.push(k);
    }
    found.sort((a, b) => a - b);
    let last = Number.NaN;
    for (const f of found) {
      if (out.length >= count) break;
      if (f !== last) out.push(f);
      last = f;
    }
    if (out.length >= count || segEnd >= untilMs) break;
    t = segEnd;
    // Temporal's search continues from the last fire (none in the segment: from where it was)
    const lastFire = out[out.length - 1];
    if (lastFire !== undefined && lastFire > search) search = lastFire;
  }
  return out;
}

/**
 * The last fire strictly before `before` and not before `floor`, else `floor` - 1 ms (no fire yet:
 * the scheduler's search starts at the schedule's start): where Temporal's search resumes.
 */
export function previousFire(tables: readonly MatchTable[], intervals: readonly IntervalSpec[], tz: string, before: number, floor: number): number {
  for (const back of [3_600_000, 26 * 3_600_000, 40 * 86_400_000, 400 * 86_400_000]) {
    const after = Math.max(before - back, floor - 1);
    const fires = scheduleTimes(tables, intervals, tz, after, before - 1, 100_000, false);
    const last = fires[fires.length - 1];
    if (last !== undefined) return last;
    if (after <= floor - 1) break;
  }
  return Number.isFinite(floor) ? floor - 1 : before - 400 * 86_400_000;
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
  return scheduleTimes(tables, spec.intervals, spec.timezone, after, until, limit, true, spec.startAt?.getTime()).map((t) => new Date(t));
}
