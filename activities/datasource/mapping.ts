// Mapping: choose, rename and cast fields. A record that cannot be mapped (a failed cast, a missing
// required field or key) is a bad record: counted and sampled, never written.
import type { Field, FieldType } from '../../core/drivers/datasource.ts';
import { own } from '../../core/objects/own.ts';

export type Row = Record<string, unknown>;

export class BadRecord extends Error {}

const INTEGER = /^[+-]?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TRUE = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0', 'off']);

const describe = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Empty means absent for every type but string: CSV has no other way to say null. */
const isEmpty = (v: unknown, type: FieldType): boolean => v === undefined || v === null || (type !== 'string' && typeof v === 'string' && v.trim() === '');

/** Casts one value; throws BadRecord with a readable reason. `null` for an absent value. */
export function cast(value: unknown, type: FieldType): unknown {
  if (isEmpty(value, type)) return null;
  const fail = (): never => {
    throw new BadRecord(`${describe(value)} is not a valid ${type}`);
  };
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (value instanceof Date) return value.toISOString();
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'integer': {
      if (typeof value === 'number') return Number.isSafeInteger(value) ? value : fail();
      if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : fail();
      if (typeof value !== 'string' || !INTEGER.test(value.trim())) return fail();
      const n = Number(value.trim());
      return Number.isSafeInteger(n) ? n : fail();
    }
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? value : fail();
      if (typeof value !== 'string') return fail();
      const n = Number(value.trim());
      return Number.isFinite(n) ? n : fail();
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
      const s = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
      return fail();
    }
    case 'date': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail() : value.toISOString().slice(0, 10);
      const s = typeof value === 'string' ? value.trim() : '';
      const m = DATE.exec(s);
      if (!m) return fail();
      const d = new Date(`${s}T00:00:00Z`);
      // 2024-02-30 parses as March 1st: reject it rather than move it.
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s ? s : fail();
    }
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(typeof value === 'string' ? value.trim() : value) : undefined;
      return d && !Number.isNaN(d.getTime()) ? d.toISOString() : fail();
    }
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return fail();
      }
  }
}

/** A field of the source record: the exact name first, then a dotted path into nested objects. */
function pick(rec: Row, path: string): unknown {
  // Own fields only: a path such as "constructor" names nothing in a record that lacks it.
  if (Object.hasOwn(rec, path)) return rec[path];
  if (!path.includes('.')) return undefined;
  let cur: unknown = rec;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = own(cur as Row, part);
  }
  return cur;
}

export type Mapper = (rec: Row) => Row;

/** Builds the record mapper: applies the mapping (if any) and checks the key. Throws BadRecord. */
export function mapper(mapping: Record<string, Field> | undefined, key: string | undefined): Mapper {
  const fields = mapping ? Object.entries(mapping).map(([to, f]) => ({ to, from: f.from ?? to, type: f.type, required: f.required || to === key })) : undefined;
  const checkKey = (out: Row): Row => {
    if (key !== undefined && ((own(out, key) ?? '') === '')) throw new BadRecord(`the key field '${key}' is missing`);
    return out;
  };
  if (!fields) return (rec) => checkKey(rec);
  return (rec) => {
    const out: Row = {};
    for (const f of fields) {
      let v: unknown;
      try {
        v = cast(pick(rec, f.from), f.type);
      } catch (err) {
        throw new BadRecord(`field '${f.from}': ${(err as Error).message}`);
      }
      if ((v === null || v === '') && f.required) throw new BadRecord(`field '${f.from}' is required`);
      // Defined, not assigned: a field named "__proto__" is a field, not the row's prototype.
      Object.defineProperty(out, f.to, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return checkKey(out);
  };
}

/** PostgreSQL column type for a mapped field (tables created by the sink). */
export const PG_TYPES: Record<FieldType, string> = {
  string: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
  json: 'jsonb',
};
