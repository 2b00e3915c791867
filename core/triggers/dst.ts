// Daylight saving time, as each cron dialect's reference means it, on top of what Temporal does.
//
// Temporal (server 1.31) does not simply match wall time around a change (temporal-calendar.ts
// replays its algorithm: west of UTC a gap time is skipped and a repeated time fires twice; east of
// UTC and in Lord Howe it fires other, partly wrong, times). So for every transition up to 2100
// around which the job's calendars fire, planDst compares the times the policy wants (plain wall
// time read with the dialect's or the job's `dst`) with the times Temporal fires, and corrects:
//  - a wanted time Temporal misses gets one exact calendar that Temporal does fire there (a gap's
//    end; east of UTC, a first copy through Temporal's repeated-hour step);
//  - a time Temporal fires that is not wanted goes into an instant range that travels in the runJob
//    input (plan.dstSkip); runJob ends a scheduled run whose scheduled time falls in one as a skip,
//    without calling the driver. The evaluator leaves the ranges out too, so preview and `next`
//    show exactly what will run;
//  - a wanted time no calendar reaches is reported (`unreachable`), and its other copy kept.
// Everything here is pure and runs in the API process (Intl tz data), never in workflow code.
import { z } from 'zod';
import { END_OF_CALENDARS, MAX_YEAR, nextWallMatch, range, toMatchTable, toRanges, type Calendar, type MatchTable } from './calendar.ts';
import { CRONOS_MACROS } from './cron/hangfire.ts';
import type { CronDialect } from './model.ts';
import type { IntervalSpec } from './spec.ts';
import { nextTransition, wallOf, type Transition } from './timezone.ts';
import { previousFire, scheduleTimes } from './evaluate.ts';
import type { DstSkipRange } from '../temporal/contract.ts';

export const DST_GAP_POLICIES = ['skip', 'shift'] as const;
export const DST_OVERLAP_POLICIES = ['first', 'second', 'both'] as const;
export type DstGap = (typeof DST_GAP_POLICIES)[number];
export type DstOverlap = (typeof DST_OVERLAP_POLICIES)[number];

/** A complete DST policy: what a time in the spring gap and a time in the fall overlap do. */
export interface DstPolicy {
  gap: DstGap;
  overlap: DstOverlap;
}

/**
 * The per-job override as a client writes it: either half may be left out (the dialect's default
 * then applies to it). Interval and once triggers are absolute instants: DST does not apply to them.
 */
export const DstSchema = z
  .object({
    gap: z.enum(DST_GAP_POLICIES, { error: 'must be one of "skip", "shift"' }).optional(),
    overlap: z.enum(DST_OVERLAP_POLICIES, { error: 'must be one of "first", "second", "both"' }).optional(),
  })
  .strict();
export type DstInput = z.output<typeof DstSchema>;

/**
 * What the dialect's reference does at a DST transition (see the README table):
 *  - unix = Vixie cron: a job at a fixed time (minute and hour fields not led by '*', not @hourly)
 *    runs once at the change when its time was skipped, and is not re-run in the repeated hour;
 *    a wildcard job runs by the new clock: nothing in the gap, and again in the repeated hour.
 *  - quartz = org.quartz.CronExpression.getTimeAfter on java.util.Calendar: a gap time is skipped;
 *    an ambiguous wall time resolves to standard time, the later of the two (checked with the
 *    Quartz oracle, also for every-N-minutes expressions).
 *  - dapr = robfig/cron v3 (Go time): a gap time is skipped, an overlap time fires at both offsets.
 *  - hangfire = Cronos: a gap time fires at the gap's end; in the overlap an "interval"
 *    expression (second, minute or hour field with '*', '?', a range or a step) fires at both
 *    offsets, any other once, in the daylight (first) offset.
 */
export function dialectDstDefault(expression: string, dialect: CronDialect): DstPolicy {
  const text = expression.trim();
  switch (dialect) {
    case 'quartz':
      return { gap: 'skip', overlap: 'second' };
    case 'dapr':
      return { gap: 'skip', overlap: 'both' };
    case 'unix': {
      if (text.startsWith('@')) return /^@hourly$/iu.test(text) ? { gap: 'skip', overlap: 'both' } : { gap: 'shift', overlap: 'first' };
      const [minute = '', hour = ''] = text.split(/\s+/u);
      return minute.startsWith('*') || hour.startsWith('*') ? { gap: 'skip', overlap: 'both' } : { gap: 'shift', overlap: 'first' };
    }
    case 'hangfire':
      return { gap: 'shift', overlap: isCronosInterval(text) ? 'both' : 'first' };
  }
}

/** Cronos's CronExpressionFlag.Interval: a time field (second, minute, hour) with '*', '?', a range or a step. */
function isCronosInterval(text: string): boolean {
  const expanded = text.startsWith('@') ? (CRONOS_MACROS[text.toLowerCase()] ?? text) : text;
  const f = expanded.split(/\s+/u);
  const timeFields = f.length === 6 ? f.slice(0, 3) : f.slice(0, 2);
  return timeFields.some((t) => /[*?\-/]/u.test(t));
}

/** A group of calendars (one trigger) read with one DST policy. */
export interface DstPart {
  calendars: readonly Calendar[];
  policy: DstPolicy;
}

export interface DstPlanInput {
  parts: readonly DstPart[];
  /** Every calendar of the schedule (the parts' and the once triggers'): what Temporal fires from. */
  calendars: readonly Calendar[];
  /** Interval fires (absolute instants) of the same schedule: never skipped. */
  intervals: readonly IntervalSpec[];
  /** Other exact fire instants of the schedule (once triggers): never skipped. */
  fixed?: readonly number[];
  timezone: string;
  /** Only fires after this instant matter. */
  now: number;
  /** The schedule's inclusive bounds. */
  startAt?: number;
  endAt?: number;
}

export interface DstPlan {
  /** Exact calendars that make Temporal fire a wanted time it would not (a gap's end; see dst.ts). */
  extraCalendars: Calendar[];
  /** Inclusive instant ranges whose fires are left out, sorted. */
  skip: DstSkipRange[];
  /** Wanted instants no calendar makes Temporal fire (east of UTC, 30-minute zones; see the README). */
  unreachable: number[];
}

/** The most skip ranges and extra calendars one job may carry (a daily job needs about one a year). */
export const MAX_DST_CORRECTIONS = 2000;
/** The most fires of one transition's window the plan checks one by one. */
export const MAX_WINDOW_FIRES = 20_000;
/** The most wanted fires around one transition for which Temporal's algorithm is replayed. */
export const MAX_REPLAYED_FIRES = 100;
/** The most wanted fires around one transition for which calendars that Temporal fires are searched. */
export const MAX_SEARCHED_FIRES = 12;

const HOUR = 3_600_000;

/** Fire instants of the tables inside [from, to] (inclusive), read at the one offset `offset`. */
function firesAt(tables: readonly MatchTable[], offset: number, from: number, to: number, limit: number): number[] {
  const out = new Set<number>();
  for (const t of tables) {
    let w = from + offset;
    while (out.size < limit) {
      const m = nextWallMatch(t, w);
      if (m === null || m - offset > to) break;
      out.add(m - offset);
      w = m + 1000;
    }
  }
  return [...out].sort((a, b) => a - b);
}

function matchesWall(tables: readonly MatchTable[], wallFrom: number, wallToExclusive: number): boolean {
  return tables.some((t) => {
    const m = nextWallMatch(t, wallFrom);
    return m !== null && m < wallToExclusive;
  });
}

function intervalTicks(intervals: readonly IntervalSpec[], from: number, to: number): number[] {
  const out: number[] = [];
  for (const iv of intervals) {
    if (iv.everyMs <= 0) continue;
    for (let k = Math.ceil((from - iv.offsetMs) / iv.everyMs); k * iv.everyMs + iv.offsetMs <= to; k++) out.push(k * iv.everyMs + iv.offsetMs);
  }
  return out;
}

function exactCalendar(instant: number, tz: string): Calendar {
  const w = wallOf(tz, instant);
  const one = (v: number) => [{ start: v, end: v, step: 1 }];
  return {
    second: one(w.getUTCSeconds()),
    minute: one(w.getUTCMinutes()),
    hour: one(w.getUTCHours()),
    dayOfMonth: one(w.getUTCDate()),
    month: one(w.getUTCMonth() + 1),
    year: one(w.getUTCFullYear()),
    dayOfWeek: toRanges(range(0, 6)),
  };
}

/** Every offset transition of the zone after `from` up to `until`. */
function transitionsAfter(tz: string, from: number, until: number): Transition[] {
  const out: Transition[] = [];
  let t = from;
  for (;;) {
    const tr = nextTransition(tz, t, MAX_YEAR + 1);
    if (!tr || tr.at > until) break;
    out.push(tr);
    t = tr.at;
  }
  return out;
}

/**
 * What the job is to fire around one transition (the policies' meaning, on plain wall-clock time),
 * against what Temporal fires there (its own algorithm, replayed): exact calendars for the wanted
 * times it misses, skip ranges for the times it fires that are not wanted. A wanted time that no
 * calendar makes Temporal fire is listed in `unreachable`. Throws RangeError when too dense.
 */
export function planDst(input: DstPlanInput): DstPlan {
  const plan: DstPlan = { extraCalendars: [], skip: [], unreachable: [] };
  const active = input.parts.filter((p) => p.calendars.length > 0);
  if (active.length === 0) return plan;
  const lo = Math.max(input.now, input.startAt ?? -Infinity);
  const hi = Math.min(input.endAt ?? Infinity, END_OF_CALENDARS);
  if (lo > hi) return plan;
  const tz = input.timezone;
  const partTables = active.map((p) => p.calendars.map(toMatchTable));
  const allTables = input.calendars.map(toMatchTable);
  // Nothing fires but the parts' calendars, and all are read with one policy.
  const onePolicyOnly =
    active.every((p) => p.policy.gap === active[0]?.policy.gap && p.policy.overlap === active[0]?.policy.overlap) &&
    input.intervals.length === 0 &&
    (input.fixed ?? []).length === 0 &&
    allTables.length === active.reduce((n, p) => n + p.calendars.length, 0);
  for (const tr of transitionsAfter(tz, lo - 3 * HOUR, hi)) {
    const len = Math.abs(tr.offsetAfter - tr.offsetBefore);
    const from = Math.max(tr.at - len - HOUR, lo + 1);
    const to = Math.min(tr.at + len + HOUR, hi);
    if (from > to) continue;
    const west = tr.offsetBefore < 0 && tr.offsetAfter < 0 && len === HOUR;
    if (west && onePolicyOnly) {
      // The common case, at any density: Temporal matches wall time here, one policy, nothing else
      // fires. Spring: one calendar at the gap's end; fall: the whole copy the policy leaves out.
      const policy = active[0]?.policy;
      if (tr.offsetAfter > tr.offsetBefore) {
        if (policy?.gap === 'shift' && tr.at >= from && tr.at <= to && matchesWall(allTables, tr.at + tr.offsetBefore, tr.at + tr.offsetAfter) && !matchesWall(allTables, tr.at + tr.offsetAfter, tr.at + tr.offsetAfter + 1)) {
          plan.extraCalendars.push(exactCalendar(tr.at, tz));
        }
      } else if (policy && policy.overlap !== 'both') {
        const [a, b, offset] = policy.overlap === 'first' ? [tr.at, tr.at + len - 1, tr.offsetAfter] : [tr.at - len, tr.at - 1, tr.offsetBefore];
        const lo2 = Math.max(a, from);
        const hi2 = Math.min(b, to);
        if (lo2 <= hi2 && firesAt(allTables, offset, lo2, hi2, 1).length > 0) plan.skip.push([lo2, hi2]);
      }
      continue;
    }
    const wanted = new Set<number>([...intervalTicks(input.intervals, from, to), ...(input.fixed ?? []).filter((f) => f >= from && f <= to)]);
    active.forEach((p, i) => {
      const tables = partTables[i] ?? [];
      const fires = [
        ...(from < tr.at ? firesAt(tables, tr.offsetBefore, from, Math.min(to, tr.at - 1), MAX_WINDOW_FIRES) : []),
        ...(to >= tr.at ? firesAt(tables, tr.offsetAfter, Math.max(from, tr.at), to, MAX_WINDOW_FIRES) : []),
      ];
      if (fires.length >= MAX_WINDOW_FIRES) throw new RangeError(`the calendars fire more than ${MAX_WINDOW_FIRES} times around a DST change`);
      const back = tr.offsetAfter < tr.offsetBefore;
      for (const f of fires) {
        // in a fall-back, [at - len, at) is the first copy of the repeated wall times, [at, at + len) the second
        if (back && p.policy.overlap === 'first' && f >= tr.at && f < tr.at + len) continue;
        if (back && p.policy.overlap === 'second' && f >= tr.at - len && f < tr.at) continue;
        wanted.add(f);
      }
      // spring forward: a wall time in [at + before, at + after) does not exist; shift = at the gap's end
      if (!back && p.policy.gap === 'shift' && tr.at >= from && tr.at <= to && matchesWall(tables, tr.at + tr.offsetBefore, tr.at + tr.offsetAfter)) wanted.add(tr.at);
    });
    const extras: MatchTable[] = [];
    let fired: Set<number>;
    if (west) {
      // West of UTC with a one-hour change Temporal's algorithm is plain wall-clock matching (gap
      // times never fire, repeated times fire twice): no replay needed, whatever the density.
      fired = new Set<number>(intervalTicks(input.intervals, from, to));
      for (const f of firesAt(allTables, tr.offsetBefore, from, Math.min(to, tr.at - 1), MAX_WINDOW_FIRES * 2)) if (f < tr.at) fired.add(f);
      for (const f of firesAt(allTables, tr.offsetAfter, Math.max(from, tr.at), to, MAX_WINDOW_FIRES * 2)) fired.add(f);
      for (const w of [...wanted].sort((a, b) => a - b)) {
        if (fired.has(w)) continue;
        // only a gap's end can be missing here: its own wall time exists, an exact calendar fires it
        const cal = exactCalendar(w, tz);
        extras.push(toMatchTable(cal));
        plan.extraCalendars.push(cal);
        fired.add(w);
      }
    } else if (wanted.size > MAX_REPLAYED_FIRES) {
      // too dense to replay Temporal around this change: left as Temporal fires it, and reported
      plan.unreachable.push(tr.at);
      continue;
    } else {
      // Temporal searches each next time from the previous one, and its path through a repeated
      // hour depends on where the search starts: start where the scheduler will, at the last fire
      // before the window (or the schedule's start).
      const start = previousFire(allTables, input.intervals, tz, from, lo);
      const temporal = (until: number, more: readonly MatchTable[] = []): Set<number> =>
        new Set(scheduleTimes([...allTables, ...extras, ...more], input.intervals, tz, start, until, MAX_WINDOW_FIRES * 2, false).filter((t) => t >= from));
      fired = temporal(to);
      // looking for calendars costs a replay per candidate: only for a few fires around the change
      const search = wanted.size <= MAX_SEARCHED_FIRES;
      for (const w of [...wanted].sort((a, b) => a - b)) {
        if (fired.has(w)) continue;
        // an exact calendar at its wall time, or an hour before it (Temporal's repeated-hour step adds one)
        let done = false;
        for (const candidate of search ? [w, w - HOUR] : []) {
          const cal = exactCalendar(candidate, tz);
          const t = toMatchTable(cal);
          if (temporal(w, [t]).has(w)) {
            extras.push(t);
            plan.extraCalendars.push(cal);
            fired = temporal(to);
            done = true;
            break;
          }
        }
        if (!done) {
          // Temporal cannot fire it (its repeated-hour step is built for a one-hour change west of
          // UTC): keep the other copy of the same wall time if Temporal fires that one, so that the
          // time still runs once; else it is lost. Preview and `next` show what happens either way.
          const twin = w < tr.at ? w + len : w - len;
          if (fired.has(twin)) wanted.add(twin);
          plan.unreachable.push(w);
        }
      }
    }
    // Temporal's fires that are not wanted: maximal ranges around them holding no wanted fire
    const keeps = [...wanted].sort((a, b) => a - b);
    const drops = [...fired].filter((f) => !wanted.has(f)).sort((a, b) => a - b);
    let k = 0;
    let last: DstSkipRange | undefined;
    for (const d of drops) {
      while (k < keeps.length && (keeps[k] ?? Infinity) < d) k++;
      const rangeHi = Math.min(to, (keeps[k] ?? Infinity) - 1);
      const rangeLo = Math.max(from, (keeps[k - 1] ?? -Infinity) + 1);
      if (last && last[0] === rangeLo) continue;
      last = [rangeLo, rangeHi];
      plan.skip.push(last);
    }
    if (plan.skip.length + plan.extraCalendars.length > MAX_DST_CORRECTIONS) {
      throw new RangeError(`the DST policy needs more than ${MAX_DST_CORRECTIONS} corrections`);
    }
  }
  return plan;
}
