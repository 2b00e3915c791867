// compileTriggers: turns a job's triggers into ONE Temporal-shaped schedule spec (structured
// calendars, intervals, bounds, time zone, jitter, remaining actions) plus its job dependencies.
// Cron text is never passed through: each dialect is parsed here and expressed exactly, and what
// cannot be expressed exactly is a TriggerError naming the trigger and field.
import { MAX_YEAR, MIN_YEAR, range, toRanges, type Calendar } from './calendar.ts';
import { parseCron } from './cron/index.ts';
import type { CronResult } from './cron/types.ts';
import { parseDuration, parseRfc3339 } from './duration.ts';
import { CronSyntaxError, TriggerError } from './errors.ts';
import { TriggerSchema, type Trigger, type TriggerInput } from './model.ts';
import type { CompiledSpec, CompiledTriggers, Dependency, IntervalSpec } from './spec.ts';
import { isValidTimeZone, offsetAt } from './timezone.ts';
import { dialectDstDefault, planDst, type DstInput, type DstPart } from './dst.ts';

export type { Calendar, Range } from './calendar.ts';
export type { CompiledSpec, CompiledTriggers, Dependency, IntervalSpec } from './spec.ts';
export { TriggerError } from './errors.ts';
export { nextFireTimes } from './evaluate.ts';
export { describeTrigger } from './describe.ts';

export interface CompileOptions {
  /** The reference time for relative durations ("10s") and robfig's @every. */
  now: Date;
  /** The job's time zone, used by triggers that name none ("UTC" when absent). */
  timezone?: string;
  /** The job's own bounds (inclusive); they apply to every trigger. */
  startOn?: Date;
  endOn?: Date;
  jitterMs?: number;
  /** The job's own cap on scheduled runs (e.g. Dapr's repeats); the smaller of this and a once trigger's wins. */
  maxRuns?: number;
  /**
   * Whether an overdue `once` fires at once (default true). False for a disabled job: a paused
   * schedule takes no action, and a time that passes while it is paused is never caught up.
   */
  fireOverdue?: boolean;
  /**
   * `once` instants (ms, as onceInstants() resolves them) that the previous version of the job
   * already had. They fell due under that version (fired, or passed while it was paused), so saving
   * the job again does not fire them a second time.
   */
  settled?: readonly number[];
  /**
   * The job's DST policy: overrides, half by half, each cron trigger's dialect default (see
   * core/triggers/dst.ts). Interval and once triggers are absolute instants: it does not touch them.
   */
  dst?: DstInput;
  /** Plan DST shifts and skips from this instant rather than `now` (a preview of past times). */
  dstFrom?: Date;
}

/**
 * A `once` time at most this far ahead is overdue: it fires at once instead of by calendar. Temporal
 * never fires a calendar time at or before the scheduler workflow's first task (its clock starts
 * there, some tens of milliseconds after CreateSchedule, seconds on a loaded server), so a time that
 * close could be missed altogether; an immediate fire cannot be.
 */
export const OVERDUE_LEAD_MS = 2000;

export { parseCron };

interface Bounds {
  lo?: number;
  hi?: number;
}

interface ScheduleItem {
  index: number;
  /** Bounds of the trigger itself (interval startAt / endAt). */
  own: Bounds;
}

const SECOND = 1000;

function fmt(ms: number | undefined): string {
  return ms === undefined ? 'none' : new Date(ms).toISOString();
}

function intersect(a: Bounds, b: Bounds): Bounds {
  const lo = a.lo === undefined ? b.lo : b.lo === undefined ? a.lo : Math.max(a.lo, b.lo);
  const hi = a.hi === undefined ? b.hi : b.hi === undefined ? a.hi : Math.min(a.hi, b.hi);
  return { ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}) };
}

function validate(t: TriggerInput, i: number): Trigger {
  const r = TriggerSchema.safeParse(t);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const sub = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw new TriggerError(`triggers[${i}]${sub}`, issue?.message ?? 'invalid trigger');
}

/** An RFC 3339 instant, or a duration counted from `base`; rounded up to a whole second. */
function resolveInstant(text: string, base: number): number {
  const abs = parseRfc3339(text);
  const ms = abs ? abs.getTime() : base + (parseDuration(text) ?? 0);
  return Math.ceil(ms / SECOND) * SECOND;
}

function wallParts(instant: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number; wall: number } {
  const wall = instant + offsetAt(tz, instant);
  const w = new Date(wall);
  return { y: w.getUTCFullYear(), mo: w.getUTCMonth() + 1, d: w.getUTCDate(), h: w.getUTCHours(), mi: w.getUTCMinutes(), s: w.getUTCSeconds(), wall };
}

/** True when the wall-clock time of `instant` in `tz` also happens at another instant (fall-back overlap). */
function isAmbiguous(instant: number, tz: string): boolean {
  const { wall } = wallParts(instant, tz);
  const offsets = new Set([offsetAt(tz, instant - 86_400_000), offsetAt(tz, instant), offsetAt(tz, instant + 86_400_000)]);
  for (const o of offsets) {
    const c = wall - o;
    if (c !== instant && offsetAt(tz, c) === o) return true;
  }
  return false;
}

function exactSecondCalendar(instant: number, tz: string): Calendar {
  const p = wallParts(instant, tz);
  const one = (v: number) => [{ start: v, end: v, step: 1 }];
  return { second: one(p.s), minute: one(p.mi), hour: one(p.h), dayOfMonth: one(p.d), month: one(p.mo), year: one(p.y), dayOfWeek: toRanges(range(0, 6)) };
}

/** The instants the enabled `once` triggers resolve to at `now` (invalid triggers are skipped). */
export function onceInstants(triggers: readonly TriggerInput[], now: Date): number[] {
  const out: number[] = [];
  for (const input of triggers) {
    const r = TriggerSchema.safeParse(input);
    if (r.success && r.data.enabled && r.data.type === 'once') out.push(resolveInstant(r.data.at, now.getTime()));
  }
  return out;
}

function definedOnly(dst: DstInput | undefined): Partial<DstInput> {
  const out: Partial<DstInput> = {};
  if (dst?.gap !== undefined) out.gap = dst.gap;
  if (dst?.overlap !== undefined) out.overlap = dst.overlap;
  return out;
}

export function compileTriggers(triggers: readonly TriggerInput[], opts: CompileOptions): CompiledTriggers {
  const now = opts.now.getTime();
  const fireOverdue = opts.fireOverdue ?? true;
  const settled = new Set(opts.settled ?? []);
  const defaultTz = opts.timezone ?? 'UTC';
  if (!isValidTimeZone(defaultTz)) throw new TriggerError('timezone', 'must be a valid IANA time zone');
  const job: Bounds = {
    ...(opts.startOn ? { lo: opts.startOn.getTime() } : {}),
    ...(opts.endOn ? { hi: opts.endOn.getTime() } : {}),
  };
  if (job.lo !== undefined && job.hi !== undefined && job.lo > job.hi) throw new TriggerError('endOn', 'must not be before startOn');

  const calendars: Calendar[] = [];
  const intervals: IntervalSpec[] = [];
  const items: ScheduleItem[] = [];
  const deps = new Map<string, string[]>();
  let tz: { zone: string; index: number } | undefined;
  // overdue: at most OVERDUE_LEAD_MS ahead (or passed), new in this write, and allowed to fire now
  const onces: { index: number; at: number; dueTime: boolean; overdue: boolean }[] = [];
  // robfig's @every counts from when the schedule starts, known only once the bounds are: filled in below
  const everys: IntervalSpec[] = [];
  let global: Bounds = job;
  let remaining: number | undefined;
  let dueTimeIndex: number | undefined;
  const dstParts: DstPart[] = [];

  triggers.forEach((input, i) => {
    const t = validate(input, i);
    if (!t.enabled) return;
    switch (t.type) {
      case 'job': {
        const on = deps.get(t.jobId) ?? [];
        for (const e of t.on) if (!on.includes(e)) on.push(e);
        deps.set(t.jobId, on);
        return;
      }
      case 'cron': {
        let res: CronResult;
        try {
          res = parseCron(t.expression, t.dialect);
        } catch (e) {
          if (e instanceof CronSyntaxError) throw new TriggerError(`triggers[${i}].expression`, e.message);
          throw e;
        }
        if (t.timezone && res.timezone && t.timezone !== res.timezone) {
          throw new TriggerError(`triggers[${i}].timezone`, `"${t.timezone}" conflicts with the expression's own time zone "${res.timezone}"`);
        }
        const zone = t.timezone ?? res.timezone ?? defaultTz;
        if (res.calendars.length > 0) {
          if (tz && tz.zone !== zone) {
            throw new TriggerError(
              `triggers[${i}].timezone`,
              `time zone "${zone}" differs from "${tz.zone}" of triggers[${tz.index}]; all calendar triggers of a job share one time zone`,
            );
          }
          tz ??= { zone, index: i };
          calendars.push(...res.calendars);
          dstParts.push({ calendars: res.calendars, policy: { ...dialectDstDefault(t.expression, t.dialect), ...definedOnly(opts.dst) } });
        }
        if (res.every) {
          const iv: IntervalSpec = { everyMs: res.every.everyMs, offsetMs: 0 };
          intervals.push(iv);
          everys.push(iv);
        }
        items.push({ index: i, own: {} });
        return;
      }
      case 'interval': {
        const everyMs = parseDuration(t.every) ?? 0;
        if (everyMs < SECOND || everyMs % SECOND !== 0) {
          throw new TriggerError(`triggers[${i}].every`, 'must be a whole number of seconds, at least 1s');
        }
        const own: Bounds = {};
        if (t.startAt !== undefined) own.lo = parseRfc3339(t.startAt)?.getTime() ?? 0;
        if (t.endAt !== undefined) own.hi = parseRfc3339(t.endAt)?.getTime() ?? 0;
        if (own.lo !== undefined && own.hi !== undefined && own.lo > own.hi) {
          throw new TriggerError(`triggers[${i}].endAt`, 'must not be before startAt');
        }
        // anchored at startAt (first fire at startAt itself), else at the Unix epoch as Temporal does
        const offsetMs = own.lo === undefined ? 0 : ((own.lo % everyMs) + everyMs) % everyMs;
        intervals.push({ everyMs, offsetMs });
        items.push({ index: i, own });
        return;
      }
      case 'once': {
        const at = resolveInstant(t.at, now);
        const overdue = fireOverdue && at <= now + OVERDUE_LEAD_MS && !settled.has(at);
        // an overdue time needs no calendar, so its year does not matter (Dapr accepts any past dueTime)
        const year = new Date(at).getUTCFullYear();
        if (!overdue && (year < MIN_YEAR || year > MAX_YEAR)) throw new TriggerError(`triggers[${i}].at`, `must be within the years ${MIN_YEAR}-${MAX_YEAR}`);
        const dueTime = t.repeats !== undefined || t.ttl !== undefined;
        if (dueTime) {
          if (dueTimeIndex !== undefined) {
            throw new TriggerError(`triggers[${i}]`, `only one "once" trigger may carry repeats / ttl (triggers[${dueTimeIndex}] already does)`);
          }
          dueTimeIndex = i;
          // Dapr's dueTime / repeats / ttl: they bound the whole schedule
          const b: Bounds = { lo: at };
          if (t.ttl !== undefined) {
            b.hi = resolveInstant(t.ttl, at);
            if (b.hi < at) throw new TriggerError(`triggers[${i}].ttl`, 'must not end before "at"');
          }
          global = intersect(global, b);
          if (t.repeats !== undefined) remaining = t.repeats;
        }
        onces.push({ index: i, at, dueTime, overdue });
        items.push({ index: i, own: {} });
        return;
      }
    }
  });

  const dependencies: Dependency[] = [...deps].map(([jobId, on]) => ({ jobId, on }));
  if (items.length === 0) return { spec: null, dependencies };

  const timezone = tz?.zone ?? defaultTz;

  // one set of bounds for the whole spec: every trigger's own bounds must end up the same
  const effective = items.map((it) => ({ it, b: intersect(global, it.own) }));
  const reference = (effective.find((e) => e.it.own.lo === undefined && e.it.own.hi === undefined) ?? effective[0])?.b ?? {};
  for (const { it, b } of effective) {
    if (b.lo !== reference.lo) {
      throw new TriggerError(
        `triggers[${it.index}].startAt`,
        `the schedule has one start for all triggers: this trigger starts at ${fmt(b.lo)} but the others at ${fmt(reference.lo)}`,
      );
    }
    if (b.hi !== reference.hi) {
      throw new TriggerError(
        `triggers[${it.index}].endAt`,
        `the schedule has one end for all triggers: this trigger ends at ${fmt(b.hi)} but the others at ${fmt(reference.hi)}`,
      );
    }
  }
  let bounds = reference;

  // An overdue once fires now if its time lies within the bounds and the bounds have not ended: as a
  // calendar it could only be missed. Several overdue onces are one fire, as a schedule never fires
  // twice at one instant. One outside the bounds would never have fired, and does not.
  const inBounds = (ms: number) => (bounds.lo === undefined || ms >= bounds.lo) && (bounds.hi === undefined || ms <= bounds.hi);
  const fired = onces.filter((o) => o.overdue && inBounds(o.at) && inBounds(Math.max(now, o.at)));
  const fireNow = fired.length > 0;
  const calendarOnces = onces.filter((o) => !o.overdue);

  const onlyOnce = onces.length === items.length;
  for (const o of calendarOnces) {
    const cal = exactSecondCalendar(o.at, timezone);
    if (isAmbiguous(o.at, timezone)) {
      if (calendarOnces.length === 1 && onlyOnce) bounds = intersect(bounds, { hi: o.at });
      else {
        throw new TriggerError(
          `triggers[${o.index}].at`,
          `${new Date(o.at).toISOString()} is a wall-clock time that happens twice in ${timezone} (DST overlap); it cannot be combined exactly with other triggers`,
        );
      }
    }
    calendars.push(cal);
  }
  // one run per distinct instant (two onces at one second are one fire), the immediate one included
  if (onlyOnce && remaining === undefined) remaining = new Set(calendarOnces.map((o) => o.at)).size + (fireNow ? 1 : 0);

  // @every ticks at start + k·every: from the schedule's start (startOn, or a dueTime that bounds it,
  // as Dapr counts from dueTime), rounded up to a whole second so that the start itself is a tick;
  // without one, from now truncated to the second, as robfig counts from when the job is added.
  const anchor = bounds.lo !== undefined ? Math.ceil(bounds.lo / SECOND) * SECOND : Math.floor(now / SECOND) * SECOND;
  for (const iv of everys) iv.offsetMs = ((anchor % iv.everyMs) + iv.everyMs) % iv.everyMs;

  if (bounds.lo !== undefined && bounds.hi !== undefined && bounds.lo > bounds.hi) {
    throw new TriggerError('endOn', 'the triggers and the job bounds leave no time to run');
  }

  // The immediate fire stands for a time that may still be a moment ahead (OVERDUE_LEAD_MS); the
  // schedule must not fire that time, or one before it, again: it starts just after it.
  let nothingAfter = false;
  const firedAt = Math.max(...fired.map((o) => o.at));
  if (fireNow && firedAt > now) {
    if (bounds.hi !== undefined && firedAt >= bounds.hi) nothingAfter = true;
    else bounds = { ...bounds, lo: Math.max(bounds.lo ?? -Infinity, firedAt + 1) };
  }

  const seen = new Set<string>();
  const unique = calendars.filter((c) => {
    const k = JSON.stringify(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const spec: CompiledSpec = { calendars: unique, intervals, timezone };
  if (bounds.lo !== undefined) spec.startAt = new Date(bounds.lo);
  if (bounds.hi !== undefined) spec.endAt = new Date(bounds.hi);
  // DST as the dialect (or the job's policy) means it: gap shifts as exact calendars, overlap skips
  // as instant ranges that runJob and the evaluator leave out.
  if (!nothingAfter) {
    let dst;
    try {
      dst = planDst({
        parts: dstParts,
        calendars: spec.calendars,
        intervals,
        fixed: calendarOnces.map((o) => o.at),
        timezone,
        now: Math.min(now, opts.dstFrom?.getTime() ?? now),
        ...(bounds.lo !== undefined ? { startAt: bounds.lo } : {}),
        ...(bounds.hi !== undefined ? { endAt: bounds.hi } : {}),
      });
    } catch (e) {
      if (e instanceof RangeError) throw new TriggerError('dst', `${e.message}: Kairos cannot check them against Temporal; use a sparser schedule or a zone without DST (e.g. UTC)`);
      throw e;
    }
    spec.calendars.push(...dst.extraCalendars);
    if (dst.skip.length > 0) spec.dstSkip = dst.skip;
    if (dst.unreachable.length > 0) spec.dstUnreachable = dst.unreachable;
  }
  if (opts.jitterMs !== undefined && opts.jitterMs > 0) spec.jitterMs = opts.jitterMs;
  let cap = remaining !== undefined && opts.maxRuns !== undefined ? Math.min(remaining, opts.maxRuns) : (remaining ?? opts.maxRuns);
  if (fireNow) {
    spec.triggerImmediately = true;
    // Temporal's immediate trigger is a manual action and leaves remainingActions alone: take it off
    // here, so that repeats: 1 with a past dueTime runs once, not twice.
    if (cap !== undefined) cap = Math.max(cap - 1, 0);
    if (nothingAfter) cap = 0;
  }
  if (cap !== undefined) spec.remainingActions = cap;
  return { spec, dependencies };
}
