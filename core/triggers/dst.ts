// Daylight saving time, as each cron dialect's reference means it, on top of Temporal's own rule.
//
// Temporal (server 1.31) reads a calendar in the schedule's zone: a wall time inside a spring-forward
// gap does not exist and never fires; a wall time inside a fall-back overlap exists twice and fires
// twice. A skip calendar cannot remove only one of the two (it matches wall time too). So:
//  - gap `shift` adds, for every future gap in which one of the job's calendar times falls, one exact
//    calendar at the gap's end (the first wall time that exists again), unless the schedule already
//    fires at that instant;
//  - overlap `first` / `second` lists the UTC instant ranges whose fires are to be left out; they
//    travel in the runJob input (plan.dstSkip) and runJob ends a scheduled run whose scheduled time
//    falls in one as a skip, without calling the driver. The evaluator leaves them out too, so
//    preview and `next` show exactly what will run.
// Everything here is pure and runs in the API process (Intl tz data), never in workflow code.
import { z } from 'zod';
import { MAX_YEAR, nextWallMatch, range, toMatchTable, toRanges, type Calendar, type MatchTable } from './calendar.ts';
import type { CronDialect } from './model.ts';
import type { IntervalSpec } from './spec.ts';
import { nextTransition, type Transition } from './timezone.ts';
import type { DstSkipRange } from './dst-skip.ts';

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
  /** Exact calendars at gap ends (gap `shift`). */
  shiftCalendars: Calendar[];
  /** Inclusive instant ranges whose fires are left out (overlap `first` / `second`), sorted. */
  skip: DstSkipRange[];
}

/** The most skip ranges one job may carry (a daily job needs about one per year). */
export const MAX_DST_SKIP_RANGES = 2000;

const END_OF_CALENDARS = Date.UTC(MAX_YEAR + 1, 0, 2);

function tablesOf(parts: readonly DstPart[]): MatchTable[][] {
  return parts.map((p) => p.calendars.map(toMatchTable));
}

/** Wall-clock ms (wall time written as if UTC) → the instant it is at a given offset. */
function matchesWall(tables: readonly MatchTable[], wallFrom: number, wallToExclusive: number): boolean {
  return tables.some((t) => {
    const m = nextWallMatch(t, wallFrom);
    return m !== null && m < wallToExclusive;
  });
}

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

function intervalTicks(intervals: readonly IntervalSpec[], from: number, to: number): number[] {
  const out: number[] = [];
  for (const iv of intervals) {
    if (iv.everyMs <= 0) continue;
    for (let k = Math.ceil((from - iv.offsetMs) / iv.everyMs); k * iv.everyMs + iv.offsetMs <= to; k++) out.push(k * iv.everyMs + iv.offsetMs);
  }
  return out;
}

function exactCalendar(instant: number, offset: number): Calendar {
  const w = new Date(instant + offset);
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

/** Every offset transition of the zone after `from` up to the end of the calendars' years. */
export function transitionsAfter(tz: string, from: number, until: number): Transition[] {
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
 * The gap-shift calendars and overlap skip ranges for a schedule's cron calendars (see the file
 * comment). Throws a RangeError when the ranges would exceed MAX_DST_SKIP_RANGES.
 */
export function planDst(input: DstPlanInput): DstPlan {
  const plan: DstPlan = { shiftCalendars: [], skip: [] };
  const active = input.parts.filter((p) => p.calendars.length > 0);
  if (active.length === 0) return plan;
  const lo = Math.max(input.now, input.startAt ?? -Infinity);
  const hi = Math.min(input.endAt ?? Infinity, END_OF_CALENDARS);
  if (lo > hi) return plan;
  const tables = tablesOf(active);
  const allTables = tables.flat();
  // a transition whose overlap began before `lo` still matters for its later half
  for (const tr of transitionsAfter(input.timezone, lo - 86_400_000, hi)) {
    const delta = tr.offsetAfter - tr.offsetBefore;
    if (delta > 0) {
      // spring forward: wall times [at + before, at + after) do not exist that day
      if (tr.at <= lo || tr.at > hi) continue;
      const gapFrom = tr.at + tr.offsetBefore;
      const gapTo = tr.at + tr.offsetAfter;
      const wants = active.some((p, i) => p.policy.gap === 'shift' && matchesWall(tables[i] ?? [], gapFrom, gapTo));
      if (!wants) continue;
      // already a fire at the gap's end (a calendar matching that wall time, an interval tick)?
      const firesThere = matchesWall(allTables, gapTo, gapTo + 1) || intervalTicks(input.intervals, tr.at, tr.at).length > 0;
      if (!firesThere) plan.shiftCalendars.push(exactCalendar(tr.at, tr.offsetAfter));
    } else if (delta < 0) {
      plan.skip.push(...overlapSkips(tr, active, tables, input, lo, hi));
    }
  }
  if (plan.skip.length > MAX_DST_SKIP_RANGES) {
    throw new RangeError(`the DST overlap policy needs ${plan.skip.length} skip ranges (at most ${MAX_DST_SKIP_RANGES})`);
  }
  return plan;
}

/** Skip ranges for one fall-back transition. */
function overlapSkips(tr: Transition, parts: readonly DstPart[], tables: readonly MatchTable[][], input: DstPlanInput, lo: number, hi: number): DstSkipRange[] {
  const len = tr.offsetBefore - tr.offsetAfter;
  // first occurrence of the repeated wall times: [at - len, at), at the old offset; second: [at, at + len)
  const halves = [
    { from: tr.at - len, to: tr.at - 1, offset: tr.offsetBefore, which: 'first' as const },
    { from: tr.at, to: tr.at + len - 1, offset: tr.offsetAfter, which: 'second' as const },
  ];
  const out: DstSkipRange[] = [];
  for (const h of halves) {
    const from = Math.max(h.from, lo + 1);
    const to = Math.min(h.to, hi);
    if (from > to) continue;
    // the half whose fires a part leaves out: `first` keeps the first, so drops the second
    const dropping = parts.map((p) => (p.policy.overlap === 'first' && h.which === 'second') || (p.policy.overlap === 'second' && h.which === 'first'));
    if (!dropping.some(Boolean)) continue;
    const keep = new Set<number>([...intervalTicks(input.intervals, from, to), ...(input.fixed ?? []).filter((f) => f >= from && f <= to)]);
    if (keep.size === 0 && dropping.every(Boolean)) {
      // the common case (one policy, no other fires): the whole half, if anything fires in it
      if (tables.some((t) => firesAt(t, h.offset, from, to, 1).length > 0)) out.push([from, to]);
      continue;
    }
    const limit = Math.floor((to - from) / 1000) + 2;
    const drop = new Set<number>();
    parts.forEach((_, i) => {
      const fires = firesAt(tables[i] ?? [], h.offset, from, to, limit);
      for (const f of fires) (dropping[i] ? drop : keep).add(f);
    });
    for (const k of keep) drop.delete(k); // one instant is one run: another trigger wants it
    if (drop.size === 0) continue;
    const keeps = [...keep].sort((a, b) => a - b);
    // maximal ranges inside the half that hold no kept fire: robust to jitter within them
    let rangeLo = from;
    for (const k of [...keeps, to + 1]) {
      const rangeHi = k - 1;
      if (rangeLo <= rangeHi && [...drop].some((d) => d >= rangeLo && d <= rangeHi)) out.push([rangeLo, rangeHi]);
      rangeLo = k + 1;
    }
  }
  return out;
}

export { inDstSkip, type DstSkipRange } from './dst-skip.ts';
