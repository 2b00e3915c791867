// The special day tokens shared by quartz and hangfire: L, L-n, LW, L-nW, nW in day of month;
// nL and n#k in day of week. Each must be the whole field, except in Quartz's day-of-month lists
// (parseQuartzDomList: current Quartz accepts `1,L`, `2W,16` and states their union).
import { CronSyntaxError } from '../errors.ts';
import type { DayPart } from './days.ts';
import { lastDayOfMonth, lastNearestWeekday, lastWeekday, nearestWeekday, nthWeekday } from './days.ts';
import { parseValue, type FieldDef } from './fields.ts';

/** What a dialect accepts of the special day-of-month tokens. */
export interface SpecialDomOptions {
  /** The largest n of L-n. */
  maxLastOffset: number;
  /** Whether L-nW with n > 0 is accepted (LW always is). */
  allowLastOffsetW: boolean;
  /** Quartz's nW for a day one past the month's end (days.ts nearestWeekday). */
  quartzOverflow?: boolean;
  /** The largest n of L-nW (default 27: Quartz wraps into the previous month past it; Cronos allows 30 and then fires nothing in a month too short). */
  maxLastOffsetW?: number;
}

/** Parses a special day-of-month token, or returns null when the field has none. */
export function parseSpecialDom(def: FieldDef, text: string, opts: SpecialDomOptions): DayPart[] | null {
  const t = text.toUpperCase();
  if (!/[LW]/u.test(t)) return null;
  if (t.includes(',') || t.includes('/')) {
    throw new CronSyntaxError(`${def.label}: "L" and "W" cannot be combined with lists or steps ("${text}")`);
  }
  const last = /^L(?:-(\d+))?(W?)$/u.exec(t);
  if (last) {
    const offset = last[1] === undefined ? 0 : Number(last[1]);
    if (offset > opts.maxLastOffset) throw new CronSyntaxError(`${def.label}: offset from the last day must be at most ${opts.maxLastOffset} ("${text}")`);
    if (last[2] === 'W') {
      if (offset > 0 && !opts.allowLastOffsetW) throw new CronSyntaxError(`${def.label}: "L-nW" is not supported ("${text}")`);
      // beyond 27 the target day falls before the 1st of February, where Quartz wraps into the previous month
      const maxW = opts.maxLastOffsetW ?? 27;
      if (offset > maxW) throw new CronSyntaxError(`${def.label}: "L-nW" needs n <= ${maxW} ("${text}")`);
      return lastNearestWeekday(offset);
    }
    return lastDayOfMonth(offset);
  }
  const w = /^(\d+)W$/u.exec(t);
  if (w) {
    const day = parseValue(def, w[1] ?? '');
    return nearestWeekday(day, opts.quartzOverflow === true);
  }
  throw new CronSyntaxError(`${def.label}: cannot read "${text}" (expected L, L-n, LW, nW or a list of days)`);
}

/**
 * A Quartz day-of-month list whose elements may be L, L-n, LW, L-nW or nW (`1,L`, `2W,16`,
 * `5/7,L-3W,LW`): the union of its elements' days, as current Quartz accepts them and as its own tests
 * state them (CronExpressionTest). Its getTimeAfter does not always fire that union (it compares plain
 * days with L's encoded value and tries only the smallest W target; see the README); the union is the
 * meaning written, and what Kairos fires. Null when the field has no L or W; a step on an L or W
 * element (`L/2`) is refused, as Quartz refuses it.
 */
export function parseQuartzDomList(
  def: FieldDef,
  text: string,
  opts: SpecialDomOptions,
  plain: (element: string) => DayPart[],
): DayPart[] | null {
  if (!/[LW]/iu.test(text) || !text.includes(',')) return parseSpecialDom(def, text, opts);
  const elements = text.split(',');
  if (elements.some((e) => e === '')) throw new CronSyntaxError(`${def.label}: empty element in the list ("${text}")`);
  return elements.flatMap((e) => (/[LW]/iu.test(e) ? (parseSpecialDom(def, e, opts) ?? []) : plain(e)));
}

/**
 * Parses a special day-of-week token (nL, n#k), or returns null when the field has none.
 * `toSunday0` maps the dialect's day number to 0 = Sunday.
 */
export function parseSpecialDow(def: FieldDef, text: string, toSunday0: (v: number) => number): DayPart[] | null {
  const t = text.toUpperCase();
  const m = /^([0-9]+|[A-Z]{3})(L|#(\d+))$/u.exec(t);
  if (!m) {
    if (/#/u.test(t) || /(^|[^A-Z])L|L($|[^A-Z])/u.test(t.replace(/[A-Z]{3}/gu, (n) => (n in (def.names ?? {}) ? '0' : n)))) {
      throw new CronSyntaxError(`${def.label}: "L" and "#" must stand alone, as nL or n#k ("${text}")`);
    }
    return null;
  }
  const dow = toSunday0(parseValue(def, m[1] ?? ''));
  if (m[2] === 'L') return lastWeekday(dow);
  const k = Number(m[3]);
  if (!(k >= 1 && k <= 5)) throw new CronSyntaxError(`${def.label}: the week number after "#" must be 1-5 ("${text}")`);
  return nthWeekday(dow, k);
}
