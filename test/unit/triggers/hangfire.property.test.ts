// Property test: the hangfire (Cronos) dialect. Cronos itself is .NET and not available here, so
// the reference is the real Quartz (test/oracles/QuartzOracle.java) on equivalent rewritten
// expressions, where Cronos's documented rules coincide with Quartz's:
//   - 5 fields get a "0" seconds field; '?' becomes '*';
//   - day of week 0-7 (0 and 7 = Sunday) becomes Quartz's 1-7 (1 = Sunday), value by value, ranges
//     that end on 7 become wrap-around ranges ending on 1, "N/step" becomes "N-7/step";
//   - L, L-n, LW, nW, nL, n#k, reversed (wrap-around) ranges and steps read the same in both;
//   - where BOTH day fields are restricted, Cronos ANDs them, which Quartz cannot say: the reference
//     is then the intersection of two Quartz runs, one per day field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intersectTimes } from '../../oracles/cronParser.ts';
import { quartzOracle, type QuartzRequest } from '../../oracles/quartz.ts';
import { DOW_NAMES, field, fromArb, MONTH_NAMES } from './gen.ts';
import { END_2100, iso, Mismatches, ours, SEED, runs } from './helpers.ts';

const h = { wrap: true, singleStep: true };
const domArb = fc.oneof(
  { weight: 4, arbitrary: field({ min: 1, max: 31, maxStep: 31, star: ['*', '?'], ...h }) },
  { weight: 1, arbitrary: fc.constant('L') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((n) => `L-${n}`) },
  { weight: 1, arbitrary: fc.constant('LW') },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 28 }).map((n) => `${n}W`) },
);
const dowArb = fc.oneof(
  { weight: 3, arbitrary: field({ min: 0, max: 6, maxStep: 7, names: DOW_NAMES, star: ['*', '?'], ...h }) },
  { weight: 1, arbitrary: field({ min: 1, max: 7, maxStep: 7, singleStep: true }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.boolean()).map(([d, n]) => `${n && d < 7 ? DOW_NAMES[d] : d}L`) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([d, k]) => `${d}#${k}`) },
);

const exprArb = fc
  .tuple(
    fc.option(field({ min: 0, max: 59, maxStep: 59, ...h }), { nil: undefined }),
    field({ min: 0, max: 59, maxStep: 59, ...h }),
    field({ min: 0, max: 23, maxStep: 23, ...h }),
    domArb,
    field({ min: 1, max: 12, maxStep: 12, names: MONTH_NAMES, ...h }),
    dowArb,
  )
  .map((f) => f.filter((x) => x !== undefined).join(' '));

function dowNumber(t: string): number {
  const i = DOW_NAMES.indexOf(t.toUpperCase());
  return i >= 0 ? i : Number(t);
}

/** One hangfire day-of-week element in Quartz numbering. */
function dowElement(e: string): string {
  const special = /^(\w+?)(L|#\d)$/u.exec(e);
  if (special) return `${(dowNumber(special[1] ?? '') % 7) + 1}${special[2]}`;
  const [base = '', step] = e.split('/');
  const tail = step === undefined ? '' : `/${step}`;
  if (base === '*' || base === '?') return `*${tail}`;
  const [a0 = '', b0] = base.split('-');
  const a = dowNumber(a0);
  let b = b0 === undefined ? undefined : dowNumber(b0);
  if (b === undefined && step !== undefined) b = 7; // N/step = N..7
  if (b === undefined || a === 7) return `${(a % 7) + 1}`; // 7-7, 7/n: Sunday alone
  if (b === 7 && a === 0) return `1-7${tail}`;
  if (b === 7) return `${a + 1}-1${tail}`; // wraps: ..., 7 (Saturday), 1 (Sunday)
  return `${a + 1}-${b + 1}${tail}`;
}

const isStar = (f: string) => f === '*' || f === '?';

/** Quartz expressions equivalent to a hangfire one: [single] or [dom-only, dow-only] to intersect. */
function toQuartz(expr: string): string[] {
  const f = expr.split(' ');
  const [sec, min, hour, dom, mon, dow] = (f.length === 5 ? ['0', ...f] : f) as [string, string, string, string, string, string];
  const qDow = dow.split(',').map(dowElement).join(',');
  const qDom = dom.replace(/\?/gu, '*');
  const head = `${sec} ${min} ${hour}`;
  if (isStar(dow)) return [`${head} ${qDom} ${mon} ?`];
  if (isStar(dom)) return [`${head} ? ${mon} ${qDow}`];
  return [`${head} ${qDom} ${mon} ?`, `${head} ? ${mon} ${qDow}`];
}

const oracle = quartzOracle();

test('hangfire dialect matches Cronos rules (via Quartz on rewritten expressions)', { skip: oracle.available ? false : oracle.reason }, () => {
  if (!oracle.available) return;
  const N = 8;
  const M = 150; // times per side when intersecting
  const cases = fc.sample(fc.record({ expr: exprArb, tz: fc.constantFrom('UTC', 'Asia/Kolkata'), from: fromArb }), { numRuns: runs(1500), seed: SEED });
  const plans = cases.map((c) => toQuartz(c.expr));
  const reqs: QuartzRequest[] = [];
  plans.forEach((p, i) => {
    const c = cases[i];
    if (c) for (const e of p) reqs.push({ expression: e, tz: c.tz, from: c.from, n: p.length === 1 ? N : M });
  });
  const answers = oracle.run(reqs);
  const bad = new Mismatches();
  let k = 0;
  let ands = 0;
  cases.forEach((c, i) => {
    const plan = plans[i] ?? [];
    const got = plan.map(() => answers[k++]);
    const mine = ours(c.expr, 'hangfire', c.tz, c.from, N);
    if (got.some((a) => !a || !a.ok)) {
      bad.add(`${c.expr}: Quartz rejects the rewrite ${plan.join(' | ')}: ${got.map((a) => (a && !a.ok ? a.error : '')).join(' ')}`);
      return;
    }
    const lists = got.map((a) => (a && a.ok ? a.times.filter((t) => t <= END_2100) : []));
    let ref: number[];
    let horizon = Number.POSITIVE_INFINITY;
    if (lists.length === 1) ref = lists[0] ?? [];
    else {
      ands++;
      const [a = [], b = []] = lists;
      ref = intersectTimes(a, b, N);
      horizon = Math.min(a.length === M ? (a[M - 1] ?? 0) : Infinity, b.length === M ? (b[M - 1] ?? 0) : Infinity);
    }
    if (typeof mine === 'string') {
      if (!(ref.length === 0 && /never fire/u.test(mine))) bad.add(`${c.expr} [${c.tz}]: we reject (${mine}), reference gives ${iso(ref).join(' ')}`);
      return;
    }
    const cmp = mine.filter((t) => t <= horizon);
    const same = JSON.stringify(cmp) === JSON.stringify(ref.slice(0, cmp.length)) && (horizon !== Infinity || cmp.length === ref.length);
    if (!same) bad.add(`${c.expr} [${c.tz}] (quartz: ${plan.join(' & ')}) from ${new Date(c.from).toISOString()}:\n  ours ${iso(mine).join(' ')}\n  ref  ${iso(ref).join(' ')}`);
  });
  assert.ok(ands > 100, `only ${ands} cases with both day fields restricted`);
  assert.equal(bad.items.length, 0, bad.report(cases.length));
});
