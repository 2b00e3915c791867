// fast-check arbitraries for cron fields: lists of single values, ranges, stepped ranges,
// stars and names, built from disjoint chunks of the field so that no value repeats (cron-parser
// rejects duplicates).
import fc from 'fast-check';

export interface GenField {
  min: number;
  max: number;
  names?: readonly string[]; // names[v - min] for v, where names exist
  wrap?: boolean; // reversed ranges allowed
  maxStep?: number;
  singleStep?: boolean; // "N/step" allowed
  star?: string[]; // star spellings
}

const render = (f: GenField, v: number, useName: boolean): string => (useName && f.names?.[v - f.min] ? (f.names[v - f.min] ?? String(v)) : String(v));

function element(f: GenField, lo: number, hi: number): fc.Arbitrary<string> {
  const maxStep = Math.max(1, Math.min(f.maxStep ?? f.max - f.min + 1, f.max - f.min + 1));
  return fc.oneof(
    fc.tuple(fc.integer({ min: lo, max: hi }), fc.boolean()).map(([v, n]) => render(f, v, n)),
    fc
      .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }), fc.boolean())
      .map(([a, b, n]) => `${render(f, Math.min(a, b), n)}-${render(f, Math.max(a, b), n)}`),
    fc
      .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }), fc.integer({ min: 1, max: maxStep }))
      .map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
  );
}

/** A whole field. */
export function field(f: GenField): fc.Arbitrary<string> {
  const size = f.max - f.min + 1;
  const maxStep = Math.max(1, Math.min(f.maxStep ?? size, size));
  const stars = f.star ?? ['*'];
  const list = fc.integer({ min: 1, max: Math.min(3, size) }).chain((k) => {
    const chunk = Math.floor(size / k);
    return fc.tuple(...Array.from({ length: k }, (_, i) => element(f, f.min + i * chunk, i === k - 1 ? f.max : f.min + (i + 1) * chunk - 1))).map((es) => es.join(','));
  });
  const arbs: fc.Arbitrary<string>[] = [
    fc.constantFrom(...stars),
    fc.tuple(fc.constantFrom(...stars), fc.integer({ min: 1, max: maxStep })).map(([s, n]) => `${s}/${n}`),
    list,
    list,
  ];
  if (f.singleStep) arbs.push(fc.tuple(fc.integer({ min: f.min, max: f.max }), fc.integer({ min: 1, max: maxStep })).map(([a, s]) => `${a}/${s}`));
  if (f.wrap) {
    arbs.push(
      fc
        .tuple(fc.integer({ min: f.min + 1, max: f.max }), fc.integer({ min: f.min, max: f.max - 1 }), fc.integer({ min: 1, max: Math.min(maxStep, 5) }))
        .filter(([a, b]) => a > b)
        .map(([a, b, s]) => (s === 1 ? `${a}-${b}` : `${a}-${b}/${s}`)),
    );
  }
  return fc.oneof(...arbs);
}

export const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
export const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A start instant between 2001 and 2090, on a whole second or not. */
export const fromArb = fc.tuple(fc.integer({ min: Date.UTC(2001, 0, 1) / 1000, max: Date.UTC(2090, 0, 1) / 1000 }), fc.constantFrom(0, 0, 0, 1, 500, 999)).map(([s, ms]) => s * 1000 + ms);
