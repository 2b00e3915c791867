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
}

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

export function compileTriggers(triggers: readonly TriggerInput[], opts: CompileOptions): CompiledTriggers {
  const now = opts.now.getTime();
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
  const onces: { index: number; at: number; dueTime: boolean }[] = [];
  let global: Bounds = job;
  let remaining: number | undefined;
  let dueTimeIndex: number | undefined;

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
        }
        if (res.every) {
          // robfig's @every counts from when the schedule starts: now, truncated to the second
          const everyMs = res.every.everyMs;
          intervals.push({ everyMs, offsetMs: (Math.floor(now / SECOND) * SECOND) % everyMs });
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
        const year = new Date(at).getUTCFullYear();
        if (year < MIN_YEAR || year > MAX_YEAR) throw new TriggerError(`triggers[${i}].at`, `must be within the years ${MIN_YEAR}-${MAX_YEAR}`);
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
        onces.push({ index: i, at, dueTime });
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

  const onlyOnce = onces.length === items.length;
  for (const o of onces) {
    const cal = exactSecondCalendar(o.at, timezone);
    if (isAmbiguous(o.at, timezone)) {
      if (onces.length === 1 && onlyOnce) bounds = intersect(bounds, { hi: o.at });
      else {
        throw new TriggerError(
          `triggers[${o.index}].at`,
          `${new Date(o.at).toISOString()} is a wall-clock time that happens twice in ${timezone} (DST overlap); it cannot be combined exactly with other triggers`,
        );
      }
    }
    calendars.push(cal);
  }
  if (onlyOnce && remaining === undefined) remaining = onces.length;

  if (bounds.lo !== undefined && bounds.hi !== undefined && bounds.lo > bounds.hi) {
    throw new TriggerError('endOn', 'the triggers and the job bounds leave no time to run');
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
  if (opts.jitterMs !== undefined && opts.jitterMs > 0) spec.jitterMs = opts.jitterMs;
  const cap = remaining !== undefined && opts.maxRuns !== undefined ? Math.min(remaining, opts.maxRuns) : (remaining ?? opts.maxRuns);
  if (cap !== undefined) spec.remainingActions = cap;
  return { spec, dependencies };
}
