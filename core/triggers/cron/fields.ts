// Shared pieces of the four cron parsers: list/range/step parsing of one field, and the names.
import { CronSyntaxError } from '../errors.ts';

export const MONTH_NAMES: Record<string, number> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12,
};
/** Sunday = 0 numbering (unix, dapr, hangfire). */
export const DOW_NAMES_0: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
/** Sunday = 1 numbering (quartz). */
export const DOW_NAMES_1: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

export interface FieldDef {
  /** e.g. "day-of-week field" */
  label: string;
  min: number;
  max: number;
  names?: Record<string, number>;
  /** Reversed ranges (23-01) wrap around the field (quartz, hangfire); else they are errors. */
  wrap?: boolean;
  /** '?' is accepted and means '*' (dapr, hangfire; quartz handles '?' itself). */
  question?: boolean;
  /** Largest value of the wrap-around cycle when it is not `max` (hangfire's 0-7 day of week cycles over 0-6). */
  wrapMax?: number;
  /** Upper end for '*' and "N/step" when it is not `max` (robfig's day of week stops at 6). */
  openMax?: number;
  /** Largest step accepted (quartz's own limits); default: no limit beyond >= 1. */
  maxStep?: number;
  /** "N/step" (single value with a step) means N..max; when false it is an error. */
  singleWithStep?: boolean;
}

export interface ParsedElement {
  raw: string;
  /** Starts with '*' (or '?' where that means '*'). */
  star: boolean;
  step: number;
  values: number[];
}

const NUM = /^\d+$/u;

export function fail(def: FieldDef, message: string): never {
  throw new CronSyntaxError(`${def.label}: ${message}`);
}

/** A number or a name, within the field's bounds. */
export function parseValue(def: FieldDef, text: string): number {
  let v: number;
  if (NUM.test(text)) {
    if (text.length > 4) fail(def, `value "${text}" out of range ${def.min}-${def.max}`);
    v = Number(text);
  } else {
    const named = def.names?.[text.toUpperCase()];
    if (named === undefined) fail(def, `unknown value "${text}"`);
    v = named;
  }
  if (v < def.min || v > def.max) fail(def, `value ${v} out of range ${def.min}-${def.max}`);
  return v;
}

export function parseStep(def: FieldDef, text: string): number {
  if (!NUM.test(text)) fail(def, `step "${text}" is not a number`);
  const step = Number(text);
  if (step === 0) fail(def, 'step must be at least 1 (step 0)');
  if (def.maxStep !== undefined && step > def.maxStep) fail(def, `step ${step} is larger than ${def.maxStep}`);
  return step;
}

/** One comma-separated element: *, ?, n, a-b, with an optional /step. */
export function parseElement(def: FieldDef, raw: string): ParsedElement {
  if (raw === '') fail(def, 'empty list element');
  const slash = raw.split('/');
  if (slash.length > 2) fail(def, `too many "/" in "${raw}"`);
  const base = slash[0] ?? '';
  const step = slash.length === 2 ? parseStep(def, slash[1] ?? '') : 1;
  if (base === '*' || (base === '?' && def.question)) {
    return { raw, star: true, step, values: stepValues(def.min, def.openMax ?? def.max, step) };
  }
  const dash = base.split('-');
  if (dash.length > 2) fail(def, `too many "-" in "${raw}"`);
  const start = parseValue(def, dash[0] ?? '');
  let end: number;
  if (dash.length === 2) end = parseValue(def, dash[1] ?? '');
  else if (slash.length === 2) {
    if (!def.singleWithStep) fail(def, `"${raw}": a step needs a range or "*"`);
    end = def.openMax ?? def.max;
  } else end = start;
  if (start <= end) return { raw, star: false, step, values: stepValues(start, end, step) };
  if (!def.wrap) fail(def, `range "${raw}" starts after it ends`);
  // wrap around the field: continue the step sequence modulo the field's cycle
  const cycle = (def.wrapMax ?? def.max) - def.min + 1;
  if (start > (def.wrapMax ?? def.max)) fail(def, `reversed range "${raw}" cannot start at ${start}`);
  const values: number[] = [];
  for (let i = start; i <= end + cycle; i += step) values.push(def.min + ((i - def.min) % cycle));
  return { raw, star: false, step, values };
}

export function stepValues(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let i = start; i <= end; i += step) out.push(i);
  return out;
}

export interface ParsedField {
  elements: ParsedElement[];
  values: number[];
}

export function parseList(def: FieldDef, text: string): ParsedField {
  if (text === '') fail(def, 'empty field');
  const elements = text.split(',').map((e) => parseElement(def, e));
  const values = [...new Set(elements.flatMap((e) => e.values))].sort((a, b) => a - b);
  return { elements, values };
}

/** Splits a cron expression on whitespace. */
export function splitFields(expr: string): string[] {
  return expr.trim().split(/\s+/u).filter((f) => f.length > 0);
}
