// DST as each dialect's reference means it (core/triggers/dst.ts): the pure plan (gap-shift
// calendars, overlap skip ranges) in several zones, each dialect's default against its reference
// (real Quartz and real robfig/cron through the oracles, Cronos through its own published vectors),
// the per-job policy, and the workflow's copy of the skip check.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTriggers, nextFireTimes, type CompiledSpec } from '../../../core/triggers/compile.ts';
import { dialectDstDefault, planDst, DstSchema, type DstInput } from '../../../core/triggers/dst.ts';
import { inDstSkip } from '../../../core/temporal/contract.ts';
import { parseCron } from '../../../core/triggers/cron/index.ts';
import type { CronDialect } from '../../../core/triggers/model.ts';
import { JobInputSchema } from '../../../core/jobs/model.ts';
import { SA } from '../../../core/search-attributes.ts';
import { OUTCOME_ATTRIBUTE } from '../../../workflows/run-job.ts';
import { quartzOracle } from '../../oracles/quartz.ts';
import { robfigOracle } from '../../oracles/robfig.ts';
import { CRONOS_DST_VECTORS } from './cronos-dst-vectors.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Whether a difference from the reference lies within three hours of a time the spec reports
 * Temporal cannot fire (spec.dstUnreachable): Temporal 1.31's limit east of UTC and in Lord Howe,
 * documented in the README, rather than a compiler error.
 */
function nearUnreachable(spec: CompiledSpec, ...instants: (number | undefined)[]): boolean {
  return (spec.dstUnreachable ?? []).some((u) => instants.some((t) => t !== undefined && Math.abs(t - u) <= 3 * 3_600_000));
}

function compiled(expression: string, dialect: CronDialect, zone: string, now: number, dst?: DstInput): CompiledSpec {
  const { spec } = compileTriggers([{ type: 'cron', expression, dialect, timezone: zone }], { now: new Date(now), ...(dst ? { dst } : {}) });
  assert.ok(spec);
  return spec;
}

function times(expression: string, dialect: CronDialect, zone: string, from: string | number, n: number, dst?: DstInput): string[] {
  const f = typeof from === 'number' ? from : Date.parse(from);
  return nextFireTimes(compiled(expression, dialect, zone, f, dst), new Date(f), n).map((d) => iso(d.getTime()));
}

const plan = (expression: string, dialect: CronDialect, zone: string, now: string, dst?: DstInput, endAt?: string) =>
  planDst({
    parts: [{ calendars: parseCron(expression, dialect).calendars, policy: { ...dialectDstDefault(expression, dialect), ...(dst ?? {}) } }],
    calendars: parseCron(expression, dialect).calendars,
    intervals: [],
    timezone: zone,
    now: Date.parse(now),
    ...(endAt ? { endAt: Date.parse(endAt) } : {}),
  });

const ymdhm = (c: { year: { start: number }[]; month: { start: number }[]; dayOfMonth: { start: number }[]; hour: { start: number }[]; minute: { start: number }[] }) =>
  [c.year[0]?.start, c.month[0]?.start, c.dayOfMonth[0]?.start, c.hour[0]?.start, c.minute[0]?.start].join('-');
const ranges = (r: readonly [number, number][]) => r.map(([a, b]) => `${iso(a)}..${iso(b)}`);
const NOW = '2026-12-04T00:00:00Z';
const END = '2027-12-31T00:00:00Z';

describe('the DST plan (pure)', () => {
  test('America/New_York (west of UTC, one hour): a daily 02:30 gets 03:00 EDT on the spring day; 01:30 skips the other copy', () => {
    const p = plan('30 2 * * *', 'hangfire', 'America/New_York', NOW, undefined, '2028-12-31T00:00:00Z');
    assert.deepEqual(p.extraCalendars.map(ymdhm), ['2027-3-14-3-0', '2028-3-12-3-0']);
    assert.deepEqual(p.skip, []);
    // Cronos keeps the first (EDT) 01:30: Temporal's second one (06:30Z) falls in the skip range
    const first = plan('30 1 * * *', 'hangfire', 'America/New_York', NOW, undefined, END);
    assert.deepEqual(ranges(first.skip), ['2027-11-07T06:00:00.000Z..2027-11-07T06:59:59.999Z']);
    assert.deepEqual(first.unreachable, []);
    const second = plan('30 1 * * *', 'hangfire', 'America/New_York', NOW, { overlap: 'second' }, END);
    assert.deepEqual(ranges(second.skip), ['2027-11-07T05:00:00.000Z..2027-11-07T05:59:59.999Z']);
  });

  test('Europe/London (east of UTC): Temporal fires only the second 01:30; the first is made with a 00:30 calendar that its repeated-hour step moves', () => {
    const p = plan('30 1 * * *', 'hangfire', 'Europe/London', NOW, undefined, END);
    assert.deepEqual(p.extraCalendars.map(ymdhm), ['2027-3-28-2-0', '2027-10-31-0-30']);
    // the 00:30 BST that calendar also fires is left out
    assert.deepEqual(ranges(p.skip), ['2027-10-30T23:00:00.000Z..2027-10-31T00:29:59.999Z']);
    assert.deepEqual(p.unreachable, []);
    const second = plan('30 1 * * *', 'hangfire', 'Europe/London', NOW, { overlap: 'second' }, END);
    assert.deepEqual(second.extraCalendars.map(ymdhm), ['2027-3-28-2-0']);
    assert.deepEqual(second.skip, []);
  });

  test('Australia/Lord_Howe (30 minutes): gap 02:00-02:30, overlap 01:30-02:00; the first copy is out of Temporal\'s reach', () => {
    const p = plan('15 2 * * *', 'hangfire', 'Australia/Lord_Howe', NOW, undefined, END);
    assert.deepEqual(p.extraCalendars.map(ymdhm), ['2027-10-3-2-30']);
    assert.deepEqual(p.skip, []);
    // Temporal fires a 02:15 in the gap at 02:45 +11:00; gap "skip" leaves that out
    const skipped = plan('15 2 * * *', 'hangfire', 'Australia/Lord_Howe', NOW, { gap: 'skip' }, END);
    assert.deepEqual(skipped.extraCalendars, []);
    assert.deepEqual(ranges(skipped.skip), ['2027-10-02T14:00:00.000Z..2027-10-02T17:00:00.000Z']);
    const o = plan('45 1 * * *', 'hangfire', 'Australia/Lord_Howe', NOW, undefined, END);
    // 01:45 +11:00 (14:45Z) cannot be fired: the +10:30 one runs instead
    assert.deepEqual(o.unreachable.map(iso), ['2027-04-03T14:45:00.000Z']);
    assert.deepEqual(o.skip, []);
  });

  test('a zone without DST (Asia/Tokyo) and UTC: nothing to correct', () => {
    for (const zone of ['Asia/Tokyo', 'UTC']) {
      assert.deepEqual(plan('30 1,2 * * *', 'hangfire', zone, NOW), { extraCalendars: [], skip: [], unreachable: [] });
    }
  });

  test('the southern hemisphere (Australia/Sydney): spring gap in October, fall overlap in April', () => {
    const p = plan('30 2 * * *', 'hangfire', 'Australia/Sydney', NOW, undefined, END);
    assert.deepEqual(p.extraCalendars.map(ymdhm), ['2027-4-4-1-30', '2027-10-3-3-0']);
    assert.deepEqual(ranges(p.skip), ['2027-04-03T14:00:00.000Z..2027-04-03T15:29:59.999Z']);
    const second = plan('30 2 * * *', 'hangfire', 'Australia/Sydney', NOW, { overlap: 'second' }, END);
    assert.deepEqual(second.extraCalendars.map(ymdhm), ['2027-10-3-3-0']);
    assert.deepEqual(second.skip, []);
  });

  test('only transitions the calendars fire around: a job at noon has none', () => {
    assert.deepEqual(plan('0 12 * * *', 'hangfire', 'America/New_York', NOW), { extraCalendars: [], skip: [], unreachable: [] });
  });

  test('a fire another trigger keeps (overlap "both") is never in a skip range', () => {
    const tz = 'America/New_York';
    const mixed = (second: string) =>
      planDst({
        calendars: [...parseCron('0 30 1 * * ?', 'quartz').calendars, ...parseCron(second, 'dapr').calendars],
        parts: [
          { calendars: parseCron('0 30 1 * * ?', 'quartz').calendars, policy: { gap: 'skip', overlap: 'first' } },
          { calendars: parseCron(second, 'dapr').calendars, policy: { gap: 'skip', overlap: 'both' } },
        ],
        intervals: [],
        timezone: tz,
        now: Date.parse('2027-11-01T00:00:00Z'),
        endAt: Date.parse('2027-11-30T00:00:00Z'),
      });
    // the second 01:30 (06:30Z) is also the dapr trigger's: it runs
    assert.deepEqual(mixed('0 15,30 1 * * *').skip, []);
    // the second 01:15 (06:15Z) stays: the range starts after it
    assert.deepEqual(ranges(mixed('0 15 1 * * *').skip), ['2027-11-07T06:15:00.001Z..2027-11-07T08:00:00.000Z']);
  });

  test('dense schedules stay fast: every second in New York is one skip range a year; every minute in London is left to Temporal and reported', () => {
    const t0 = performance.now();
    const ny = compiled('* * * * * ?', 'quartz', 'America/New_York', Date.parse('2026-12-04T00:00:00Z'));
    assert.equal(ny.dstSkip?.length, 74);
    const london = compiled('0 * * * * ?', 'quartz', 'Europe/London', Date.parse('2026-12-04T00:00:00Z'));
    assert.equal(london.dstUnreachable?.length, 148); // each transition, 2027-2100
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  test('a daily 02:30 America/New_York job through 2100: one shift calendar per spring (74 from 2027), compiled in well under a second', () => {
    const t0 = performance.now();
    const spec = compiled('30 2 * * *', 'unix', 'America/New_York', Date.parse('2026-12-04T00:00:00Z'));
    const ms = performance.now() - t0;
    assert.equal(spec.calendars.length, 1 + 74);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });
});

describe('dialect defaults', () => {
  test('the table of the README', () => {
    assert.deepEqual(dialectDstDefault('0 30 1 * * ?', 'quartz'), { gap: 'skip', overlap: 'second' });
    assert.deepEqual(dialectDstDefault('0 */5 * * * *', 'dapr'), { gap: 'skip', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('30 1 * * *', 'unix'), { gap: 'shift', overlap: 'first' });
    assert.deepEqual(dialectDstDefault('0-59/5 1 * * *', 'unix'), { gap: 'shift', overlap: 'first' }); // Vixie: not led by '*'
    assert.deepEqual(dialectDstDefault('*/5 * * * *', 'unix'), { gap: 'skip', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('30 * * * *', 'unix'), { gap: 'skip', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('@hourly', 'unix'), { gap: 'skip', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('@daily', 'unix'), { gap: 'shift', overlap: 'first' });
    assert.deepEqual(dialectDstDefault('30 1 * * *', 'hangfire'), { gap: 'shift', overlap: 'first' });
    assert.deepEqual(dialectDstDefault('0 0,45 1,2 * * *', 'hangfire'), { gap: 'shift', overlap: 'first' });
    assert.deepEqual(dialectDstDefault('0 30 1-9 * * *', 'hangfire'), { gap: 'shift', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('*/30 30 1 * * *', 'hangfire'), { gap: 'shift', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('@hourly', 'hangfire'), { gap: 'shift', overlap: 'both' });
    assert.deepEqual(dialectDstDefault('@daily', 'hangfire'), { gap: 'shift', overlap: 'first' });
  });

  test('unix (Vixie): a fixed-time job runs once at the change when skipped and once in the repeated hour; a wildcard job by the new clock', () => {
    const tz = 'America/New_York';
    assert.deepEqual(times('30 2 * * *', 'unix', tz, '2027-03-13T12:00:00Z', 2), ['2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z']);
    assert.deepEqual(times('30 1 * * *', 'unix', tz, '2027-11-06T12:00:00Z', 2), ['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
    assert.deepEqual(times('30 * * * *', 'unix', tz, '2027-11-07T04:00:00Z', 3), ['2027-11-07T04:30:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z']);
    assert.deepEqual(times('30 * * * *', 'unix', tz, '2027-03-14T06:00:00Z', 2), ['2027-03-14T06:30:00.000Z', '2027-03-14T07:30:00.000Z']);
  });
});

/**
 * Two vectors ask Cronos for the next occurrence *inclusive of* the very instant it had shifted a gap
 * time to (01:00 +03:00 in Amman, where 00:00-01:00 does not exist on a Friday): Cronos then looks
 * for the wall time 00:30 at or after 01:00 and finds next month's. What runs is the sequence the
 * vector before each gives (from 23:59 +02:00: 01:00 +03:00, then the next month), which Kairos
 * matches; asked exclusively from 01:00, Kairos also answers next month.
 */
const CRONOS_INCLUSIVE_AT_SHIFT = new Set(['30 0 L * *|2017-03-31T01:00:00+03:00', '30 0 LW * *|2018-03-30T01:00:00+03:00']);

describe('hangfire = Cronos: its published DST vectors', () => {
  test(`${CRONOS_DST_VECTORS.length} vectors of Cronos's own tests: all met, but where Temporal cannot fire a first copy`, () => {
    const wrong: string[] = [];
    let limited = 0;
    for (const v0 of CRONOS_DST_VECTORS) {
      const v = CRONOS_INCLUSIVE_AT_SHIFT.has(`${v0.expression}|${v0.from}`) ? { ...v0, inclusive: false } : v0;
      const from = Date.parse(v.from);
      // Cronos floors `from` to whole seconds; "inclusive" admits `from` itself
      const after = v.inclusive ? Math.ceil(from / 1000) * 1000 - 1 : Math.floor(from / 1000) * 1000;
      const spec = compiled(v.expression, 'hangfire', v.zone, Date.UTC(2000, 0, 1));
      const got = nextFireTimes(spec, new Date(after), 1)[0]?.getTime();
      if (got !== Date.parse(v.expected) && nearUnreachable(spec, got, Date.parse(v.expected))) {
        limited++;
        continue;
      }
      if (got !== Date.parse(v.expected)) wrong.push(`${v.expression} ${v.zone} from ${v.from}${v.inclusive ? ' (incl.)' : ''}: want ${v.expected}, got ${got === undefined ? 'none' : iso(got)}`);
    }
    assert.deepEqual(wrong, []);
    // Lord Howe's repeated half hour (and Amman's repeated midnight hour): see the README
    assert.ok(limited <= 40, `${limited} vectors hit Temporal's limit`);
  });
});

// The cases around the transitions of several zones, for the oracles: expressions with a fixed time,
// several times in the hour, and every N minutes, from a little before each transition.
const ZONE_STARTS: readonly [string, string][] = [
  ['America/New_York', '2027-03-13T12:00:00Z'],
  ['America/New_York', '2027-11-06T12:00:00Z'],
  ['Europe/London', '2027-03-27T12:00:00Z'],
  ['Europe/London', '2027-10-30T12:00:00Z'],
  ['Australia/Lord_Howe', '2027-04-03T00:00:00Z'],
  ['Australia/Lord_Howe', '2027-10-02T00:00:00Z'],
  ['Australia/Sydney', '2027-04-03T00:00:00Z'],
  ['Australia/Sydney', '2027-10-02T00:00:00Z'],
];

describe('quartz = org.quartz.CronExpression (the Quartz oracle)', () => {
  const oracle = quartzOracle();
  const exprs = ['0 30 2 * * ?', '0 30 1 * * ?', '0 45 1 * * ?', '0 15 2 * * ?', '0 0/30 * * * ?', '0 0/15 1,2 * * ?', '0 0 * * * ?', '30 * 1 * * ?'];
  test('the default (gap skip, overlap second) fires exactly as Quartz around real transitions', { skip: oracle.available ? false : oracle.reason }, () => {
    if (!oracle.available) return;
    const cases = ZONE_STARTS.flatMap(([tz, from]) => exprs.map((expression) => ({ expression, tz, from: Date.parse(from), n: 8 })));
    const answers = oracle.run(cases);
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const a = answers[i];
      assert.ok(a?.ok, `Quartz rejected ${c.expression}`);
      const spec = compiled(c.expression, 'quartz', c.tz, c.from);
      const ours = nextFireTimes(spec, new Date(c.from), c.n).map((d) => iso(d.getTime()));
      const theirs = a.times.map(iso);
      const diff = [...ours.filter((t) => !theirs.includes(t)), ...theirs.filter((t) => !ours.includes(t))].map((t) => Date.parse(t));
      if (diff.length > 0 && !c.tz.startsWith('America/') && nearUnreachable(spec, ...diff)) return;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) wrong.push(`${c.expression} ${c.tz} from ${iso(c.from)}:\n  quartz ${theirs.join(' ')}\n  ours   ${ours.join(' ')}`);
    });
    assert.equal(wrong.length, 0, wrong.slice(0, 4).join('\n'));
  });
});

/**
 * robfig/cron v3 steps a wall clock by whole hours and assumes DST moves by an hour; in a zone that
 * moves by 30 minutes (Lord Howe) that misfires: a daily 02:15 is lost on the fall-back day, and a
 * daily 01:30 or 01:45 fires a second time at 02:30 / 02:45 on the spring day. Kairos keeps the
 * meaning robfig has everywhere else (gap skip, overlap both) rather than reproduce those; these are
 * the only differences, listed so that any other one fails.
 */
const ROBFIG_HALF_HOUR_ARTEFACTS = new Set([
  'CRON_TZ=Australia/Lord_Howe 0 15 2 * * *|2027-04-03T00:00:00.000Z',
  'CRON_TZ=Australia/Lord_Howe 0 30 1 * * *|2027-10-02T00:00:00.000Z',
  'CRON_TZ=Australia/Lord_Howe 0 45 1 * * *|2027-10-02T00:00:00.000Z',
]);

describe('dapr = robfig/cron v3 (the robfig oracle)', () => {
  const oracle = robfigOracle();
  const exprs = ['0 30 2 * * *', '0 30 1 * * *', '0 45 1 * * *', '0 15 2 * * *', '0 */30 * * * *', '0 0 * * * *'];
  test('the default (gap skip, overlap both) fires exactly as robfig around real transitions', { skip: oracle.available ? false : oracle.reason }, () => {
    if (!oracle.available) return;
    const cases = ZONE_STARTS.flatMap(([tz, from]) => exprs.map((expr) => ({ expr: `CRON_TZ=${tz} ${expr}`, tz, from: Date.parse(from), n: 8, plain: expr })));
    const answers = oracle.run(cases.map(({ expr, tz, from, n }) => ({ expr, tz, from, n })));
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const a = answers[i];
      assert.ok(a?.ok, `robfig rejected ${c.expr}`);
      const spec = compiled(c.plain, 'dapr', c.tz, c.from);
      const ours = nextFireTimes(spec, new Date(c.from), c.n).map((d) => iso(d.getTime()));
      const theirs = a.times.map(iso);
      const diff = [...ours.filter((t) => !theirs.includes(t)), ...theirs.filter((t) => !ours.includes(t))].map((t) => Date.parse(t));
      if (diff.length > 0 && !c.tz.startsWith('America/') && !ROBFIG_HALF_HOUR_ARTEFACTS.has(`${c.expr}|${iso(c.from)}`) && nearUnreachable(spec, ...diff)) return;
      const differs = JSON.stringify(ours) !== JSON.stringify(theirs);
      if (differs !== ROBFIG_HALF_HOUR_ARTEFACTS.has(`${c.expr}|${iso(c.from)}`)) {
        wrong.push(`${c.expr} from ${iso(c.from)}:\n  robfig ${theirs.join(' ')}\n  ours   ${ours.join(' ')}`);
      }
    });
    assert.equal(wrong.length, 0, wrong.slice(0, 4).join('\n'));
  });
});

describe('the per-job policy', () => {
  const tz = 'America/New_York';
  test('overrides the dialect half by half', () => {
    // quartz with gap shift: 02:30 on 2027-03-14 runs at 03:00 EDT
    assert.deepEqual(times('0 30 2 * * ?', 'quartz', tz, '2027-03-13T12:00:00Z', 2, { gap: 'shift' }), ['2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z']);
    // quartz with overlap first: the EDT 01:30
    assert.deepEqual(times('0 30 1 * * ?', 'quartz', tz, '2027-11-06T12:00:00Z', 2, { overlap: 'first' }), ['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
    // both: Temporal's own rule
    assert.deepEqual(times('0 30 1 * * ?', 'quartz', tz, '2027-11-06T12:00:00Z', 3, { overlap: 'both' }), ['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z', '2027-11-08T06:30:00.000Z']);
    // hangfire with gap skip: the day is skipped
    assert.deepEqual(times('30 2 * * *', 'hangfire', tz, '2027-03-13T12:00:00Z', 2, { gap: 'skip' }), ['2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
    // an every-15-minutes dapr job, overlap second: nothing in 01:00-01:59 EDT
    assert.deepEqual(times('0 */15 1 * * *', 'dapr', tz, '2027-11-07T04:50:00Z', 4, { overlap: 'second' }), [
      '2027-11-07T06:00:00.000Z',
      '2027-11-07T06:15:00.000Z',
      '2027-11-07T06:30:00.000Z',
      '2027-11-07T06:45:00.000Z',
    ]);
  });

  test('interval and once triggers are absolute instants: untouched', () => {
    const { spec } = compileTriggers(
      [
        { type: 'cron', expression: '0 30 1 * * ?', dialect: 'quartz', timezone: tz },
        { type: 'interval', every: '30m' },
      ],
      { now: new Date('2027-11-06T12:00:00Z'), timezone: tz, endOn: new Date('2027-11-08T00:00:00Z') },
    );
    assert.ok(spec);
    const got = nextFireTimes(spec, new Date('2027-11-07T04:50:00Z'), 6).map((d) => iso(d.getTime()));
    // the interval's 05:00 and 05:30 stay although they lie in the skipped first hour; the quartz 05:30 is the same instant (one run)
    assert.deepEqual(got, ['2027-11-07T05:00:00.000Z', '2027-11-07T05:30:00.000Z', '2027-11-07T06:00:00.000Z', '2027-11-07T06:30:00.000Z', '2027-11-07T07:00:00.000Z', '2027-11-07T07:30:00.000Z']);
  });

  test('validation names the field and the choices', () => {
    const bad = JobInputSchema.safeParse({ dst: { overlap: 'twice' } });
    assert.equal(bad.success, false);
    const issue = bad.error?.issues.find((i) => i.path.join('.') === 'dst.overlap');
    assert.ok(issue, JSON.stringify(bad.error?.issues));
    assert.match(issue.message, /must be one of "first", "second", "both"/u);
    assert.equal(DstSchema.safeParse({ gap: 'later' }).error?.issues[0]?.message, 'must be one of "skip", "shift"');
    assert.equal(DstSchema.safeParse({ other: 1 }).success, false);
    assert.equal(JobInputSchema.safeParse({ dst: { gap: 'shift', overlap: 'first' } }).success, true);
  });
});

describe('the workflow side', () => {
  test('runJob\'s outcome attribute is core\'s; the skip ranges are inclusive', () => {
    assert.equal(OUTCOME_ATTRIBUTE.name, SA.outcome.name);
    assert.equal(OUTCOME_ATTRIBUTE.type, SA.outcome.type);
    const ranges: [number, number][] = [
      [10, 20],
      [40, 40],
    ];
    assert.deepEqual(
      [9, 10, 15, 20, 21, 39, 40, 41].map((t) => inDstSkip(ranges, t)),
      [false, true, true, true, false, false, true, false],
    );
    assert.equal(inDstSkip(undefined, 5), false);
  });
});
