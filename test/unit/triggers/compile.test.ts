// Example-based tests: each dialect and special character, DST, the trigger kinds, and errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileTriggers, describeTrigger, nextFireTimes, onceInstants, OVERDUE_LEAD_MS, TriggerError, type CompiledSpec } from '../../../core/triggers/compile.ts';
import { offsetAt } from '../../../core/triggers/timezone.ts';
import type { CronDialect, TriggerInput } from '../../../core/triggers/model.ts';
import { SEED, runs } from './helpers.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function spec(triggers: TriggerInput[], opts: Partial<Parameters<typeof compileTriggers>[1]> = {}): CompiledSpec {
  const s = compileTriggers(triggers, { now: NOW, ...opts }).spec;
  assert.ok(s, 'expected a spec');
  return s;
}

function next(expression: string, dialect: CronDialect, n = 4, from = NOW, timezone?: string, opts: Partial<Parameters<typeof compileTriggers>[1]> = {}): string[] {
  const s = spec([{ type: 'cron', expression, dialect, ...(timezone ? { timezone } : {}) }], opts);
  return nextFireTimes(s, from, n).map((d) => d.toISOString().replace('.000Z', 'Z'));
}

function rejects(triggers: TriggerInput[], path: string, message: RegExp, opts: Partial<Parameters<typeof compileTriggers>[1]> = {}): void {
  assert.throws(
    () => compileTriggers(triggers, { now: NOW, ...opts }),
    (e: unknown) => e instanceof TriggerError && e.path === path && message.test(e.message),
  );
}

const cron = (expression: string, dialect: CronDialect = 'unix'): TriggerInput => ({ type: 'cron', expression, dialect });

describe('unix', () => {
  test('weekdays at 10:15 in New York, described', () => {
    assert.deepEqual(next('15 10 * * 1-5', 'unix', 3, NOW, 'America/New_York'), ['2026-01-01T15:15:00Z', '2026-01-02T15:15:00Z', '2026-01-05T15:15:00Z']);
    assert.equal(describeTrigger({ type: 'cron', expression: '15 10 * * MON-FRI', timezone: 'America/New_York' }), 'at 10:15:00 on Monday through Friday, America/New_York');
  });
  test('dom and dow both restricted are ORed: two calendars', () => {
    const s = spec([cron('0 0 1 * 1')]);
    assert.equal(s.calendars.length, 2);
    assert.deepEqual(next('0 0 1 * 1', 'unix', 5), ['2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z', '2026-01-19T00:00:00Z', '2026-01-26T00:00:00Z', '2026-02-01T00:00:00Z']);
  });
  test('a *-led day field is ANDed (Vixie)', () => {
    assert.deepEqual(next('0 0 */2 * 1', 'unix', 3), ['2026-01-05T00:00:00Z', '2026-01-19T00:00:00Z', '2026-02-09T00:00:00Z']);
  });
  test('7 is Sunday, names, steps, descriptors', () => {
    assert.deepEqual(next('0 12 * * 7', 'unix', 1), ['2026-01-04T12:00:00Z']);
    assert.deepEqual(next('0 0 1 jan,Jul *', 'unix', 2), ['2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z']);
    assert.deepEqual(next('@weekly', 'unix', 1), ['2026-01-04T00:00:00Z']);
    assert.deepEqual(next('@yearly', 'unix', 1), ['2027-01-01T00:00:00Z']);
    assert.deepEqual(spec([cron('*/15 * * * *')]).calendars[0]?.minute, [{ start: 0, end: 45, step: 15 }]);
  });
  test('exact calendar shape', () => {
    assert.deepEqual(spec([cron('30 9 * * 1-5')]).calendars, [
      {
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 30, end: 30, step: 1 }],
        hour: [{ start: 9, end: 9, step: 1 }],
        dayOfMonth: [{ start: 1, end: 31, step: 1 }],
        month: [{ start: 1, end: 12, step: 1 }],
        year: [],
        dayOfWeek: [{ start: 1, end: 5, step: 1 }],
      },
    ]);
  });
});

describe('quartz', () => {
  test('6#3 is the third Friday', () => {
    assert.deepEqual(spec([cron('0 0 12 ? * 6#3', 'quartz')]).calendars.map((c) => [c.dayOfMonth, c.dayOfWeek]), [
      [[{ start: 15, end: 21, step: 1 }], [{ start: 5, end: 5, step: 1 }]],
    ]);
    assert.deepEqual(next('0 0 12 ? * FRI#3', 'quartz', 2), ['2026-01-16T12:00:00Z', '2026-02-20T12:00:00Z']);
  });
  test('L: last day of month with leap years', () => {
    assert.deepEqual(next('0 0 0 L 2 ?', 'quartz', 3), ['2026-02-28T00:00:00Z', '2027-02-28T00:00:00Z', '2028-02-29T00:00:00Z']);
    assert.deepEqual(next('0 0 0 L-2 * ?', 'quartz', 2), ['2026-01-29T00:00:00Z', '2026-02-26T00:00:00Z']);
  });
  test('W, LW, 1W edges', () => {
    // 2026-08-01 is a Saturday: 1W -> Monday 3rd; 2026-02-15 is a Sunday: 15W -> Monday 16th
    assert.deepEqual(next('0 0 0 1W 8 ?', 'quartz', 1), ['2026-08-03T00:00:00Z']);
    assert.deepEqual(next('0 0 0 15W 2 ?', 'quartz', 1), ['2026-02-16T00:00:00Z']);
    // 2026-05-31 is a Sunday: LW -> Friday 29th
    assert.deepEqual(next('0 0 0 LW 5 ?', 'quartz', 1), ['2026-05-29T00:00:00Z']);
  });
  test('nL: last Thursday', () => {
    assert.deepEqual(next('0 0 0 ? * 5L', 'quartz', 2), ['2026-01-29T00:00:00Z', '2026-02-26T00:00:00Z']);
  });
  test('lenient * in both day fields (Fusion sends 0 */10 * * * *)', () => {
    assert.deepEqual(next('0 */10 * * * *', 'quartz', 2), ['2026-01-01T00:10:00Z', '2026-01-01T00:20:00Z']);
    assert.deepEqual(next('0 0 0 15 * *', 'quartz', 1), ['2026-01-15T00:00:00Z']);
  });
  test('year field, wrap-around ranges', () => {
    assert.deepEqual(next('0 0 0 1 1 ? 2030-2031', 'quartz', 3), ['2030-01-01T00:00:00Z', '2031-01-01T00:00:00Z']);
    assert.deepEqual(next('0 0 22-1 * * ?', 'quartz', 4), ['2026-01-01T01:00:00Z', '2026-01-01T22:00:00Z', '2026-01-01T23:00:00Z', '2026-01-02T00:00:00Z']);
  });
  test('errors name the field', () => {
    rejects([cron('0 0 12 1 * MON', 'quartz')], 'triggers[0].expression', /both restricted/u);
    rejects([cron('0 0 12 1,15W/2 * ?', 'quartz')], 'triggers[0].expression', /day-of-month field/u);
    rejects([cron('0 0 12 ? * 1', 'quartz'), cron('0 0 0 1 1 ? 1999', 'quartz')], 'triggers[1].expression', /year field: 1999/u);
    rejects([cron('0 0 12 ? * 8', 'quartz')], 'triggers[0].expression', /day-of-week field: value 8/u);
    rejects([cron('0 0 12 ? * 2#6', 'quartz')], 'triggers[0].expression', /1-5/u);
    rejects([cron('0 0 12 * *', 'quartz')], 'triggers[0].expression', /6 or 7 fields/u);
  });
});

describe('dapr', () => {
  test('seconds, star bit and OR', () => {
    assert.deepEqual(next('30 0 0 1 * MON', 'dapr', 2), ['2026-01-01T00:00:30Z', '2026-01-05T00:00:30Z']);
    assert.deepEqual(next('0 0 0 */2 * MON', 'dapr', 3), ['2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z', '2026-01-07T00:00:00Z']); // */2 has no star bit: OR
    assert.deepEqual(next('0 0 0 * * MON', 'dapr', 1), ['2026-01-05T00:00:00Z']);
  });
  test('CRON_TZ prefix sets the zone; a different explicit zone conflicts', () => {
    const s = spec([cron('CRON_TZ=Asia/Tokyo 0 0 9 * * *', 'dapr')]);
    assert.equal(s.timezone, 'Asia/Tokyo');
    rejects([{ type: 'cron', expression: 'TZ=Asia/Tokyo 0 0 9 * * *', dialect: 'dapr', timezone: 'Europe/Paris' }], 'triggers[0].timezone', /conflicts/u);
  });
  test('@every becomes an interval counted from now', () => {
    const s = spec([cron('@every 1h30m', 'dapr')], { now: new Date('2026-01-01T00:00:10.700Z') });
    assert.deepEqual(s.intervals, [{ everyMs: 5_400_000, offsetMs: 10_000 }]);
    assert.deepEqual(spec([cron('@every 1500ms', 'dapr')]).intervals[0]?.everyMs, 1000);
  });
  test('L and # are rejected', () => {
    rejects([cron('0 0 0 L * *', 'dapr')], 'triggers[0].expression', /not supported/u);
  });
});

describe('hangfire', () => {
  test('5 or 6 fields, wrap-around, AND of both day fields', () => {
    assert.deepEqual(next('0 23-01 * * *', 'hangfire', 3), ['2026-01-01T01:00:00Z', '2026-01-01T23:00:00Z', '2026-01-02T00:00:00Z']);
    assert.deepEqual(next('0 0 13 * FRI', 'hangfire', 2), ['2026-02-13T00:00:00Z', '2026-03-13T00:00:00Z']);
    assert.deepEqual(next('0 0 0 L * 0', 'hangfire', 1), ['2026-05-31T00:00:00Z']);
    assert.deepEqual(next('0 0 * * 5#2', 'hangfire', 1), ['2026-01-09T00:00:00Z']);
  });
});

// Temporal's own rule, which the policy gap "skip" + overlap "both" leaves as it is (robfig's too);
// the dialects' defaults and the other policies are tested in dst.test.ts.
const TEMPORAL_DST = { dst: { gap: 'skip', overlap: 'both' } } as const;

describe('DST (America/New_York), Temporal\'s own rule', () => {
  test('02:30 on 2026-03-08 does not exist and is skipped', () => {
    assert.deepEqual(next('30 2 * * *', 'unix', 3, new Date('2026-03-06T12:00:00Z'), 'America/New_York', TEMPORAL_DST), [
      '2026-03-07T07:30:00Z',
      '2026-03-09T06:30:00Z',
      '2026-03-10T06:30:00Z',
    ]);
  });
  test('01:30 on 2026-11-01 happens twice and fires twice', () => {
    assert.deepEqual(next('30 1 * * *', 'unix', 3, new Date('2026-10-31T12:00:00Z'), 'America/New_York', TEMPORAL_DST), [
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
  });
  test('random calendars agree with a brute-force minute walk around the transitions', () => {
    const minuteArb = fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 });
    const hourArb = fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 4 });
    const fromArb = fc.constantFrom(Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 9, 31, 12), Date.UTC(2027, 2, 13, 20), Date.UTC(2030, 10, 2, 3));
    fc.assert(
      fc.property(minuteArb, hourArb, fromArb, (mins, hours, from) => {
        const expr = `${mins.join(',')} ${hours.join(',')} * * *`;
        const s = spec([{ type: 'cron', expression: expr, timezone: 'America/New_York' }], TEMPORAL_DST);
        const got = nextFireTimes(s, new Date(from), 6).map((d) => d.getTime());
        const want: number[] = [];
        for (let t = Math.floor(from / 60_000) * 60_000 + 60_000; want.length < 6; t += 60_000) {
          const wall = new Date(t + offsetAt('America/New_York', t));
          if (mins.includes(wall.getUTCMinutes()) && hours.includes(wall.getUTCHours())) want.push(t);
        }
        assert.deepEqual(got, want);
      }),
      { numRuns: runs(60), seed: SEED },
    );
  });
});

describe('trigger kinds', () => {
  test('interval anchored at startAt, bounded, combined with job bounds', () => {
    const s = spec([{ type: 'interval', every: '15m', startAt: '2026-01-01T00:05:00Z', endAt: '2026-01-01T01:00:00Z' }]);
    assert.deepEqual(s.intervals, [{ everyMs: 900_000, offsetMs: 300_000 }]);
    assert.deepEqual(nextFireTimes(s, new Date('2026-01-01T00:00:00Z'), 10).map((d) => d.toISOString().slice(11, 16)), ['00:05', '00:20', '00:35', '00:50']);
    assert.equal(spec([{ type: 'interval', every: 'PT1H' }]).intervals[0]?.everyMs, 3_600_000);
  });
  test('interval bounds that differ from the other triggers are rejected', () => {
    rejects([cron('0 * * * *'), { type: 'interval', every: '1h', startAt: '2026-02-01T00:00:00Z' }], 'triggers[1].startAt', /one start/u);
    // the same bounds as the job's are fine
    const s = spec([cron('0 * * * *'), { type: 'interval', every: '1h', startAt: '2026-02-01T00:00:00Z' }], { startOn: new Date('2026-02-01T00:00:00Z') });
    assert.equal(s.startAt?.toISOString(), '2026-02-01T00:00:00.000Z');
  });
  test('once: exact second, one action; duration from now; repeats and ttl', () => {
    const s = spec([{ type: 'once', at: '10s' }], { now: new Date('2026-01-01T00:00:00.250Z') });
    assert.equal(s.remainingActions, 1);
    assert.deepEqual(nextFireTimes(s, NOW, 5).map((d) => d.toISOString()), ['2026-01-01T00:00:11.000Z']);
    const r = spec([cron('@every 10s', 'dapr'), { type: 'once', at: '2026-01-01T00:01:00Z', repeats: 3, ttl: 'PT1M' }]);
    assert.equal(r.remainingActions, 3);
    assert.equal(r.endAt?.toISOString(), '2026-01-01T00:02:00.000Z');
    assert.deepEqual(nextFireTimes(r, NOW, 5).map((d) => d.toISOString().slice(14, 19)), ['01:00', '01:10', '01:20']);
  });
  test('once in a DST overlap fires once', () => {
    const s = spec([{ type: 'once', at: '2026-11-01T05:30:00Z' }], { timezone: 'America/New_York' });
    assert.deepEqual(nextFireTimes(s, NOW, 5).map((d) => d.toISOString()), ['2026-11-01T05:30:00.000Z']);
  });
  test('job triggers are dependencies; disabled triggers are ignored; none = manual only', () => {
    const r = compileTriggers(
      [
        { type: 'job', jobId: 'a', on: ['succeeded'] },
        { type: 'job', jobId: 'a', on: ['failed', 'succeeded'] },
        { type: 'cron', expression: 'not a cron', enabled: false },
      ],
      { now: NOW },
    );
    assert.equal(r.spec, null);
    assert.deepEqual(r.dependencies, [{ jobId: 'a', on: ['succeeded', 'failed'] }]);
  });
  test('one time zone per spec', () => {
    rejects(
      [
        { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Paris' },
        { type: 'cron', expression: '0 9 * * *', timezone: 'Asia/Tokyo' },
      ],
      'triggers[1].timezone',
      /differs/u,
    );
  });
  test('remainingActions caps, startAt/endAt inclusive, jitter kept', () => {
    const s = spec([cron('0 * * * *')], { startOn: new Date('2026-01-01T01:00:00Z'), endOn: new Date('2026-01-01T03:00:00Z'), jitterMs: 5000 });
    assert.equal(s.jitterMs, 5000);
    assert.deepEqual(nextFireTimes(s, NOW, 10).map((d) => d.toISOString().slice(11, 13)), ['01', '02', '03']);
    assert.equal(nextFireTimes({ ...s, remainingActions: 2 }, NOW, 10).length, 2);
  });
  test('nothing fires after 2100', () => {
    assert.deepEqual(next('0 0 1 1 *', 'unix', 5, new Date('2099-06-01T00:00:00Z')), ['2100-01-01T00:00:00Z']);
  });
});

describe('overdue once: fired at once, not by calendar', () => {
  const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
  const times = (s: CompiledSpec, n = 5) => nextFireTimes(s, NOW, n).map((d) => d.toISOString());

  test('a passed time, "0s", or one under OVERDUE_LEAD_MS ahead fires now, and only then', () => {
    for (const when of [at(-86_400_000), '0s', 'PT0S', at(OVERDUE_LEAD_MS - 1000), at(OVERDUE_LEAD_MS)]) {
      const s = spec([{ type: 'once', at: when }]);
      assert.equal(s.triggerImmediately, true, when);
      assert.deepEqual(s.calendars, [], when);
      assert.equal(s.remainingActions, 0, `${when}: the immediate fire is a manual action, not counted by Temporal`);
      assert.deepEqual(times(s), [], when);
    }
    const ahead = spec([{ type: 'once', at: at(OVERDUE_LEAD_MS + 1000) }]);
    assert.equal(ahead.triggerImmediately, undefined);
    assert.equal(ahead.remainingActions, 1);
    assert.deepEqual(times(ahead), [at(OVERDUE_LEAD_MS + 1000)]);
  });

  test('a passed time outside the years 2000-2100 is fine: it needs no calendar', () => {
    assert.equal(spec([{ type: 'once', at: '1999-12-31T23:59:59Z' }]).triggerImmediately, true);
  });

  test('repeats count the immediate fire; a schedule follows it', () => {
    const one = spec([cron('@every 1s', 'dapr'), { type: 'once', at: at(-3_600_000), repeats: 1 }]);
    assert.equal(one.triggerImmediately, true);
    assert.equal(one.remainingActions, 0, 'repeats: 1 → exactly one run');
    const three = spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(-3_000), repeats: 3 }]);
    assert.equal(three.remainingActions, 2);
    // ticks at dueTime + k·10s: 23:59:57 + 10s, + 20s
    assert.deepEqual(times(three), ['2026-01-01T00:00:07.000Z', '2026-01-01T00:00:17.000Z']);
    // maxRuns caps the same way
    assert.equal(spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(-3_000) }], { maxRuns: 2 }).remainingActions, 1);
    // several overdue onces are one fire
    const two = spec([{ type: 'once', at: at(-5000) }, { type: 'once', at: at(-2000) }, { type: 'once', at: at(60_000) }]);
    assert.equal(two.triggerImmediately, true);
    assert.equal(two.remainingActions, 1);
  });

  test('a due time a moment ahead is not fired a second time by the schedule', () => {
    const s = spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(1000), repeats: 3 }]);
    assert.equal(s.triggerImmediately, true);
    assert.equal(s.startAt?.toISOString(), at(1001));
    assert.deepEqual(times(s), [at(11_000), at(21_000)]);
    // with the end at that very time nothing is left after it
    const end = spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(1000), ttl: '0s' }]);
    assert.equal(end.triggerImmediately, true);
    assert.equal(end.remainingActions, 0);
  });

  test('bounds: an ended ttl or endOn, or a time before startOn, fires nothing', () => {
    const ttl = spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(-3_600_000), ttl: '30m' }]);
    assert.equal(ttl.triggerImmediately, undefined);
    assert.deepEqual(times(ttl), []);
    const endOn = spec([{ type: 'once', at: at(-60_000) }], { endOn: new Date(NOW.getTime() - 1000) });
    assert.equal(endOn.triggerImmediately, undefined);
    assert.equal(endOn.remainingActions, 0);
    const startOn = spec([{ type: 'once', at: at(-60_000) }], { startOn: new Date(NOW.getTime() - 30_000) });
    assert.equal(startOn.triggerImmediately, undefined);
    // a ttl still open fires now, and bounds the rest
    const open = spec([cron('@every 10s', 'dapr'), { type: 'once', at: at(-5_000), ttl: '30s' }]);
    assert.equal(open.triggerImmediately, true);
    assert.deepEqual(times(open), [at(5_000), at(15_000), at(25_000)]);
  });

  test('a disabled job, or a time the previous version already had, is not fired again', () => {
    const paused = spec([{ type: 'once', at: at(-60_000) }], { fireOverdue: false });
    assert.equal(paused.triggerImmediately, undefined);
    assert.equal(paused.remainingActions, 1, 'as before: a calendar in the past, which never fires');
    const prior = onceInstants([{ type: 'once', at: at(-60_000) }, { type: 'cron', expression: '* * * * *' }], NOW);
    assert.deepEqual(prior, [NOW.getTime() - 60_000]);
    assert.equal(spec([{ type: 'once', at: at(-60_000) }], { settled: prior }).triggerImmediately, undefined);
    // a different time, or a relative one resolved anew, is new
    assert.equal(spec([{ type: 'once', at: at(-30_000) }], { settled: prior }).triggerImmediately, true);
    assert.deepEqual(onceInstants([{ type: 'once', at: '10s' }], new Date('2026-01-01T00:00:00.250Z')), [Date.parse('2026-01-01T00:00:11Z')]);
  });

  test('two onces at one second are one run', () => {
    assert.equal(spec([{ type: 'once', at: at(60_000) }, { type: 'once', at: at(59_500) }]).remainingActions, 1);
  });
});

describe('@every phase', () => {
  test('counts from the schedule start (startOn or a bounding dueTime), else from now', () => {
    const fromStart = spec([cron('@every 10s', 'dapr')], { startOn: new Date('2026-01-01T00:00:03.200Z') });
    assert.deepEqual(fromStart.intervals, [{ everyMs: 10_000, offsetMs: 4_000 }], 'rounded up to the second, so the start itself is a tick');
    assert.deepEqual(nextFireTimes(fromStart, NOW, 2).map((d) => d.toISOString()), ['2026-01-01T00:00:04.000Z', '2026-01-01T00:00:14.000Z']);
    const fromDue = spec([cron('@every 1m', 'dapr'), { type: 'once', at: '2026-01-01T00:05:17Z', repeats: 2 }]);
    assert.deepEqual(fromDue.intervals, [{ everyMs: 60_000, offsetMs: 17_000 }]);
    assert.deepEqual(nextFireTimes(fromDue, NOW, 3).map((d) => d.toISOString()), ['2026-01-01T00:05:17.000Z', '2026-01-01T00:06:17.000Z']);
  });
});

describe('validation errors', () => {
  test('zod messages with paths', () => {
    rejects([{ type: 'cron', expression: '* * * * *', timezone: 'Mars/Olympus' }], 'triggers[0].timezone', /valid IANA time zone/u);
    rejects([{ type: 'interval', every: '15 minutes' }], 'triggers[0].every', /Go duration/u);
    rejects([{ type: 'interval', every: 'P1M' }], 'triggers[0].every', /months/u);
    rejects([{ type: 'once', at: 'tomorrow' }], 'triggers[0].at', /RFC 3339/u);
    rejects([{ type: 'job', jobId: 'x', on: [] }], 'triggers[0].on', /at least one/u);
    rejects([{ type: 'once', at: '1s', repeats: 0 }], 'triggers[0].repeats', /positive/u);
  });
  test('cron errors: field counts, ranges, step 0, names', () => {
    rejects([cron('* * * *')], 'triggers[0].expression', /expected 5 fields/u);
    rejects([cron('60 * * * *')], 'triggers[0].expression', /minute field: value 60/u);
    rejects([cron('*/0 * * * *')], 'triggers[0].expression', /step 0/u);
    rejects([cron('0 0 * FOO *')], 'triggers[0].expression', /month field: unknown value "FOO"/u);
    rejects([cron('0 0 L * *')], 'triggers[0].expression', /not unix cron/u);
    rejects([cron('0 0 5-1 * *')], 'triggers[0].expression', /starts after it ends/u);
    rejects([cron('0 0 0 ? * 8L', 'hangfire')], 'triggers[0].expression', /day-of-week field: value 8/u);
    // L-nW is Cronos syntax now (cronos-syntax.test.ts); past 30 it is not
    rejects([cron('0 0 0 L-31W * *', 'hangfire')], 'triggers[0].expression', /at most 30/u);
  });
});
