// Rule evaluation: which condition fires for which signal, and the failure streak (a repeated report
// of the same run counts once, so a retried activity neither double-counts nor changes what fires).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firedEvent, nextStreak, thresholdsOf, type AlertSignal } from '../../../core/alerts/evaluate.ts';
import { AlertRuleInputSchema, type AlertCondition } from '../../../core/alerts/model.ts';

const failed = (failures: number, previous: number): AlertSignal => ({ kind: 'finished', outcome: 'failed', streak: { failures, previous } });
const succeeded = (previous: number): AlertSignal => ({ kind: 'finished', outcome: 'succeeded', streak: { failures: 0, previous } });

describe('alert rule evaluation', () => {
  it('failed fires on every failure and nothing else', () => {
    const c: AlertCondition = { event: 'failed' };
    assert.equal(firedEvent(c, failed(1, 0)), 'failed');
    assert.equal(firedEvent(c, failed(7, 6)), 'failed');
    assert.equal(firedEvent(c, succeeded(2)), undefined);
    assert.equal(firedEvent(c, { kind: 'running', thresholdMs: 1000 }), undefined);
    assert.equal(firedEvent(c, { kind: 'notHappened', status: 'skipped' }), undefined);
  });

  it('consecutiveFailures fires once per streak, at the run that makes it N long', () => {
    const c: AlertCondition = { event: 'consecutiveFailures', count: 3 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => firedEvent(c, failed(n, n - 1))), [undefined, undefined, 'consecutiveFailures', undefined, undefined]);
    assert.equal(firedEvent(c, succeeded(3)), undefined);
  });

  it('recovered fires on a success after one or more failures only', () => {
    const c: AlertCondition = { event: 'recovered' };
    assert.equal(firedEvent(c, succeeded(0)), undefined);
    assert.equal(firedEvent(c, succeeded(1)), 'recovered');
    assert.equal(firedEvent(c, succeeded(9)), 'recovered');
    assert.equal(firedEvent(c, failed(1, 0)), undefined);
  });

  it('longerThan fires for its own threshold; skipped and missed for their own status', () => {
    assert.equal(firedEvent({ event: 'longerThan', duration: '90s' }, { kind: 'running', thresholdMs: 90_000 }), 'longerThan');
    assert.equal(firedEvent({ event: 'longerThan', duration: '90s' }, { kind: 'running', thresholdMs: 60_000 }), undefined);
    assert.equal(firedEvent({ event: 'skipped' }, { kind: 'notHappened', status: 'skipped' }), 'skipped');
    assert.equal(firedEvent({ event: 'skipped' }, { kind: 'notHappened', status: 'missed' }), undefined);
    assert.equal(firedEvent({ event: 'missed' }, { kind: 'notHappened', status: 'missed' }), 'missed');
  });

  it('the streak counts failures, resets on success, and a run seen again changes nothing', () => {
    let s = nextStreak(undefined, 'r1', 'failed');
    assert.deepEqual(s, { failures: 1, previous: 0 });
    s = nextStreak({ ...s, lastRunId: 'r1' }, 'r2', 'failed');
    assert.deepEqual(s, { failures: 2, previous: 1 });
    assert.deepEqual(nextStreak({ ...s, lastRunId: 'r2' }, 'r2', 'failed'), { failures: 2, previous: 1 }, 'the same run again (a retried activity)');
    s = nextStreak({ ...s, lastRunId: 'r2' }, 'r3', 'succeeded');
    assert.deepEqual(s, { failures: 0, previous: 2 });
    assert.deepEqual(nextStreak({ ...s, lastRunId: 'r3' }, 'r4', 'succeeded'), { failures: 0, previous: 0 });
  });

  it('thresholds are distinct, shortest first, bounded', () => {
    const cs: AlertCondition[] = [{ event: 'longerThan', duration: '2m' }, { event: 'failed' }, { event: 'longerThan', duration: '30s' }, { event: 'longerThan', duration: '120s' }];
    assert.deepEqual(thresholdsOf(cs, 5), [30_000, 120_000]);
    assert.deepEqual(thresholdsOf(cs, 1), [30_000]);
  });

  it('the rule schema names the bad field', () => {
    const bad = AlertRuleInputSchema.safeParse({ name: 'x', when: { event: 'consecutiveFailures', count: 1 }, channel: { type: 'webhook', url: 'ftp://x' } });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['channel.url', 'when.count']);
    const dur = AlertRuleInputSchema.safeParse({ name: 'x', when: { event: 'longerThan', duration: '10ms' }, channel: { type: 'email', to: ['a@example.com'] } });
    assert.deepEqual(dur.error?.issues.map((i) => i.path.join('.')), ['when.duration']);
    const hdr = AlertRuleInputSchema.safeParse({ name: 'x', when: { event: 'failed' }, channel: { type: 'webhook', url: 'https://h.example/', headers: { Host: 'evil', 'bad name': 'v' } } });
    assert.deepEqual(hdr.error?.issues.map((i) => i.path.join('.')).sort(), ['channel.headers.Host', 'channel.headers.bad name']);
  });
});
