// Property test: the dapr dialect against the real robfig/cron v3 (Dapr's cron library) through
// the Go oracle in test/oracles/robfig, all cases in one process. Covers lists, ranges, steps,
// names, '?', the star-bit day rule, CRON_TZ= / TZ= prefixes, descriptors and @every.
// robfig gives up 5 years after the time it searches from; we check that we find nothing there either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileTriggers, nextFireTimes } from '../../../core/triggers/compile.ts';
import { robfigOracle, type RobfigRequest } from '../../oracles/robfig.ts';
import { DOW_NAMES, field, fromArb, MONTH_NAMES } from './gen.ts';
import { iso, Mismatches, ours, SEED, runs } from './helpers.ts';

const d = { singleStep: true, star: ['*', '?'] };
const fieldsArb = fc
  .tuple(
    field({ min: 0, max: 59, ...d }),
    field({ min: 0, max: 59, ...d }),
    field({ min: 0, max: 23, ...d }),
    field({ min: 1, max: 31, ...d }),
    field({ min: 1, max: 12, names: MONTH_NAMES.map((n) => n.toLowerCase()), ...d }),
    field({ min: 0, max: 6, names: DOW_NAMES, ...d }),
  )
  .map((f) => f.join(' '));

const exprArb = fc.oneof(
  { weight: 20, arbitrary: fieldsArb },
  { weight: 2, arbitrary: fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly') },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('s', 'm', 'h', 'ms')).map(([n, u]) => `@every ${n}${u}`) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 59 }), fc.integer({ min: 0, max: 59 })).map(([h, m, s]) => `@every ${h}h${m}m${s}s`) },
);

const caseArb = fc.record({
  expr: exprArb,
  tz: fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Tokyo'),
  prefix: fc.constantFrom('', '', '', 'CRON_TZ=', 'TZ='),
  from: fromArb,
});

const oracle = robfigOracle();
const YEAR = 365.25 * 86_400_000;

test('dapr dialect matches robfig/cron v3 on random expressions', { skip: oracle.available ? false : oracle.reason }, () => {
  if (!oracle.available) return;
  const N = 8;
  const cases = fc.sample(caseArb, { numRuns: runs(3000), seed: SEED }).map((c) => ({ ...c, text: c.prefix ? `${c.prefix}${c.tz} ${c.expr}` : c.expr }));
  const reqs: RobfigRequest[] = cases.map((c) => ({ expr: c.text, tz: c.tz, from: c.from, n: N }));
  const answers = oracle.run(reqs);
  const bad = new Mismatches();
  cases.forEach((c, i) => {
    const a = answers[i];
    if (!a) throw new Error('missing answer');
    // with a prefix the trigger names no zone: the expression's own zone must be used
    const mine = c.prefix ? oursNoTz(c.text, c.from, N) : ours(c.text, 'dapr', c.tz, c.from, N);
    if (!a.ok) {
      if (typeof mine !== 'string') bad.add(`${c.text}: robfig rejects (${a.error}), we accept`);
      return;
    }
    if (typeof mine === 'string') {
      bad.add(`${c.text} [${c.tz}]: we reject (${mine}), robfig gives ${iso(a.times).join(' ')}`);
      return;
    }
    const ref = a.times;
    const prefixOk = JSON.stringify(mine.slice(0, ref.length)) === JSON.stringify(ref);
    // robfig stopped early (5-year limit): our next time must be more than ~5 years later
    const last = ref.length > 0 ? (ref[ref.length - 1] ?? c.from) : c.from;
    const nextOurs = mine[ref.length];
    const tailOk = ref.length === N || nextOurs === undefined || nextOurs - last > 4.9 * YEAR;
    if (!prefixOk || !tailOk) bad.add(`${c.text} [${c.tz}] from ${new Date(c.from).toISOString()}:\n  ours   ${iso(mine).join(' ')}\n  robfig ${iso(ref).join(' ')}`);
  });
  assert.equal(bad.items.length, 0, bad.report(cases.length));
});

function oursNoTz(expression: string, from: number, n: number): number[] | string {
  try {
    const { spec } = compileTriggers([{ type: 'cron', expression, dialect: 'dapr' }], { now: new Date(from) });
    return spec ? nextFireTimes(spec, new Date(from), n).map((t) => t.getTime()) : 'no spec';
  } catch (e) {
    return String(e);
  }
}
