// The pure gap-finding of the recorder of fire times that did not run (#17): which fire times have
// no run, and the reason each can be proven for (overlap, pause, run cap, end date, else missed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findGaps, pausesOf, type GapInput } from '../../../core/runs/gaps.ts';
import { notRunId, statusOfReason } from '../../../core/runs/skip-store.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const s = (n: number) => T0 + n * 1000;
const wf = (n: number) => `job-${new Date(s(n)).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
const base = (over: Partial<GapInput> = {}): GapInput => ({
  jobId: 'job',
  fireTimes: [0, 10, 20, 30].map(s),
  runs: [],
  pauses: [],
  capReached: false,
  overlapSkips: true,
  processedUntil: Number.POSITIVE_INFINITY,
  ...over,
});

describe('finding fire times that did not run', () => {
  it('a fire time with its scheduled run is no gap', () => {
    const r = findGaps(base({ runs: [0, 10, 20, 30].map((n) => ({ workflowId: wf(n), startedAt: s(n), closedAt: s(n + 1) })) }));
    assert.deepEqual(r.skips, []);
    assert.equal(r.pending, false);
    assert.equal(r.judgedUntil, s(30));
  });

  it('a fire time while a run was still in flight is skipped by the overlap policy; with allow_all it is missed', () => {
    const runs = [
      { workflowId: wf(0), startedAt: s(0), closedAt: s(25) },
      { workflowId: wf(30), startedAt: s(30), closedAt: null },
    ];
    const r = findGaps(base({ runs }));
    assert.deepEqual(r.skips.map((x) => [x.scheduledAt, x.reason]), [
      [new Date(s(10)).toISOString(), 'overlap'],
      [new Date(s(20)).toISOString(), 'overlap'],
    ]);
    assert.match(r.skips[0]?.detail ?? '', new RegExp(wf(0)));
    assert.deepEqual(findGaps(base({ runs, overlapSkips: false })).skips.map((x) => x.reason), ['catchupWindow', 'catchupWindow']);
  });

  it('a manual run in flight blocks a fire time too', () => {
    const r = findGaps(base({ fireTimes: [s(10)], runs: [{ workflowId: 'job-manual-x', startedAt: s(5), closedAt: s(15) }] }));
    assert.equal(r.skips[0]?.reason, 'overlap');
  });

  it('a fire time inside a pause is skipped as paused, also before the scheduler has processed it', () => {
    const pauses = pausesOf([{ at: s(-100), enabled: true }, { at: s(5), enabled: false, author: 'usr_ana' }, { at: s(25), enabled: true }], { paused: false });
    assert.deepEqual(pauses, [{ from: s(5), to: s(25), detail: 'paused by usr_ana' }]);
    const r = findGaps(base({ pauses, runs: [{ workflowId: wf(0), startedAt: s(0), closedAt: s(1) }, { workflowId: wf(30), startedAt: s(30), closedAt: s(31) }], processedUntil: s(0) }));
    // 10 and 20 are paused (judged although not processed); 30 ran.
    assert.deepEqual(r.skips.map((x) => x.reason), ['paused', 'paused']);
    assert.equal(r.skips[0]?.detail, 'paused by usr_ana');
  });

  it('a schedule paused by the scheduler (pauseOnFailure) pauses from the last run on', () => {
    assert.deepEqual(pausesOf([{ at: s(0), enabled: true }], { paused: true, since: s(12) }).map((p) => [p.from, p.to]), [[s(12), null]]);
    assert.deepEqual(pausesOf([{ at: s(0), enabled: false }], { paused: true, since: s(12) }).length, 1);
  });

  it('no run and nothing in flight: missed (the catch-up window); unprocessed fire times wait', () => {
    const r = findGaps(base({ runs: [{ workflowId: wf(0), startedAt: s(0), closedAt: s(1) }], processedUntil: s(15) }));
    assert.deepEqual(r.skips.map((x) => [x.scheduledAt, x.reason]), [[new Date(s(10)).toISOString(), 'catchupWindow']]);
    assert.equal(r.pending, true);
    assert.equal(r.judgedUntil, s(10));
    assert.equal(statusOfReason('catchupWindow'), 'missed');
    assert.equal(statusOfReason('overlap'), 'skipped');
  });

  it('a fire time the scheduler has not processed holds the watermark but not the paused rows after it', () => {
    // The scheduler lags while paused: 10 is not processed yet and not paused; 20 and 30 are paused.
    const r = findGaps(base({ runs: [{ workflowId: wf(0), startedAt: s(0), closedAt: s(1) }], pauses: [{ from: s(15), to: null }], processedUntil: s(5) }));
    assert.deepEqual(r.skips.map((x) => [x.scheduledAt, x.reason]), [
      [new Date(s(20)).toISOString(), 'paused'],
      [new Date(s(30)).toISOString(), 'paused'],
    ]);
    assert.equal(r.pending, true);
    assert.equal(r.judgedUntil, s(0), 'the watermark stays before the unprocessed fire time');
  });

  it('the end date: one row for the first fire time after it, then the job is closed', () => {
    const r = findGaps(base({ endOn: s(12), runs: [0, 10].map((n) => ({ workflowId: wf(n), startedAt: s(n), closedAt: s(n + 1) })) }));
    assert.deepEqual(r.skips.map((x) => [x.scheduledAt, x.reason]), [[new Date(s(20)).toISOString(), 'endOn']]);
    assert.equal(r.closed, true);
  });

  it('the run cap: one row for the first fire time after the last run, then closed', () => {
    const r = findGaps(base({ capReached: true, runs: [0, 10].map((n) => ({ workflowId: wf(n), startedAt: s(n), closedAt: s(n + 1) })) }));
    assert.deepEqual(r.skips.map((x) => [x.scheduledAt, x.reason]), [[new Date(s(20)).toISOString(), 'maxRuns']]);
    assert.equal(r.closed, true);
    assert.equal(r.judgedUntil, s(20));
  });

  it('row ids are the fire time and the status, never a workflow id', () => {
    assert.equal(notRunId('nightly', new Date('2026-03-01T10:00:00.000Z'), 'missed'), 'nightly-2026-03-01T10:00:00Z-missed');
  });
});
