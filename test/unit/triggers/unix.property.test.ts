// Property test: the unix dialect against cron-parser (an independent implementation), thousands of
// random expressions with lists, ranges, steps, names, 7 = Sunday and descriptors. Where Vixie's
// day rule and cron-parser's differ ("*/2" counts as unrestricted for Vixie), the reference is the
// intersection of two cron-parser runs (see test/oracles/cronParser.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cronParserTimes, intersectTimes, vixieNeedsIntersection } from '../../oracles/cronParser.ts';
import { DOW_NAMES, field, fromArb, MONTH_NAMES } from './gen.ts';
import { iso, Mismatches, ours, SEED, runs } from './helpers.ts';

const exprArb = fc.oneof(
  { weight: 20, arbitrary: fc.tuple(
    field({ min: 0, max: 59, singleStep: true }),
    field({ min: 0, max: 23, singleStep: true }),
    field({ min: 1, max: 31, singleStep: true }),
    field({ min: 1, max: 12, names: MONTH_NAMES, singleStep: true }),
    fc.oneof(field({ min: 0, max: 6, names: DOW_NAMES, singleStep: true }), field({ min: 1, max: 7, names: DOW_NAMES.slice(1) })),
  ).map((f) => f.join(' ')) },
  { weight: 1, arbitrary: fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly') },
);

const caseArb = fc.record({ expr: exprArb, tz: fc.constantFrom('UTC', 'UTC', 'Asia/Kolkata', 'Asia/Tokyo'), from: fromArb });

const DESCRIPTOR: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

test('unix dialect matches cron-parser (Vixie day rule) on random expressions', () => {
  const N = 8;
  const cases = fc.sample(caseArb, { numRuns: runs(600), seed: SEED });
  const bad = new Mismatches();
  let intersections = 0;
  for (const c of cases) {
    const mine = ours(c.expr, 'unix', c.tz, c.from, N);
    const text = DESCRIPTOR[c.expr] ?? c.expr;
    const [, , dom = '', , dow = ''] = text.split(' ');
    let ref: number[];
    let horizon = Number.POSITIVE_INFINITY;
    try {
      if (vixieNeedsIntersection(dom, dow)) {
        intersections++;
        const parts = text.split(' ');
        const a = cronParserTimes([...parts.slice(0, 4), '*'].join(' '), c.tz, c.from, 100);
        const b = cronParserTimes([...parts.slice(0, 2), '*', ...parts.slice(3)].join(' '), c.tz, c.from, 100);
        ref = intersectTimes(a, b, N);
        horizon = Math.min(a.length === 100 ? (a[a.length - 1] ?? 0) : Infinity, b.length === 100 ? (b[b.length - 1] ?? 0) : Infinity);
      } else ref = cronParserTimes(text, c.tz, c.from, N);
    } catch (e) {
      // cron-parser refuses day-of-month values that no chosen month has; such a cron never fires
      if (/Invalid explicit day of month/u.test((e as Error).message) && Array.isArray(mine) && mine.length === 0) continue;
      bad.add(`${c.expr} [${c.tz}]: cron-parser rejects (${(e as Error).message}), we give ${JSON.stringify(mine)}`);
      continue;
    }
    if (typeof mine === 'string') {
      bad.add(`${c.expr} [${c.tz}]: we reject (${mine}), cron-parser gives ${iso(ref).join(' ')}`);
      continue;
    }
    const cmp = mine.filter((t) => t <= horizon);
    if (JSON.stringify(cmp) !== JSON.stringify(ref.slice(0, cmp.length)) || (horizon === Infinity && ref.length !== mine.length)) {
      bad.add(`${c.expr} [${c.tz}] from ${new Date(c.from).toISOString()}:\n  ours ${iso(mine).join(' ')}\n  ref  ${iso(ref).join(' ')}`);
    }
  }
  assert.ok(intersections > 20, `only ${intersections} cases exercised the Vixie/cron-parser difference`);
  assert.equal(bad.items.length, 0, bad.report(cases.length));
});
