// The start command's restart policy: exponential back-off, capped, reset after a healthy run; and the
// Supervisor's reports and its stop().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, formatSeconds, restartDelayMs, RestartTracker, Supervisor } from '../../../scripts/supervise.ts';
import { waitFor } from '../../support/wait-for.ts';

const policy = { initialMs: 1000, factor: 2, maxMs: 30_000, resetAfterMs: 60_000 };

describe('restart back-off', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map((n) => restartDelayMs(policy, n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('says the delay as the start command prints it', () => {
    assert.deepEqual([1000, 2000, 2500, 30_000, 250].map(formatSeconds), ['1 s', '2 s', '2.5 s', '30 s', '250 ms']);
  });

  it('treats a count below 1 as the first restart', () => {
    assert.equal(restartDelayMs(policy, 0), 1000);
  });

  it('the default restarts a killed process within about a second and never waits more than 30 s', () => {
    assert.equal(restartDelayMs(DEFAULT_BACKOFF, 1), 1000);
    assert.equal(restartDelayMs(DEFAULT_BACKOFF, 100), 30_000);
  });

  it('grows while a process keeps crashing soon after each start, and counts every restart', () => {
    const t = new RestartTracker(policy, 0);
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      now += 500; // up for half a second, then it crashes
      const { delayMs, restart } = t.exited(now);
      assert.equal(restart, i + 1);
      delays.push(delayMs);
      now += delayMs;
      t.started(now);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  });

  it('starts over after the process stayed up for the healthy period, while the restart count goes on', () => {
    const t = new RestartTracker(policy, 0);
    assert.deepEqual(t.exited(100), { delayMs: 1000, restart: 1, consecutive: 1 });
    t.started(1100);
    assert.deepEqual(t.exited(1200), { delayMs: 2000, restart: 2, consecutive: 2 });
    t.started(3200);
    assert.deepEqual(t.exited(3200 + 60_000), { delayMs: 1000, restart: 3, consecutive: 1 });
  });
});

describe('Supervisor', () => {
  const quick = { initialMs: 1, factor: 2, maxMs: 4, resetAfterMs: 60_000 };

  it('reports the exit and the restart, and backs off further when a restart fails', async () => {
    const reports: string[] = [];
    const s = new Supervisor({ policy: quick, report: (m) => reports.push(m) });
    let attempts = 0;
    const onExit = s.watch({
      name: 'worker',
      restart: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('port taken\nmore detail');
        return 4242;
      },
    });
    onExit(null, 'SIGKILL');
    await waitFor(() => reports.some((r) => r.includes('restarted')), 5000, 'the restart');
    assert.deepEqual(reports, [
      'worker exited (SIGKILL); restarting in 1 ms (restart 1)',
      'worker exited (failed to restart: port taken); restarting in 2 ms (restart 2)',
      'worker restarted (pid 4242)',
    ]);
    await s.stop();
  });

  it('restarts nothing once stopped, and stop() waits for a restart under way', async () => {
    const reports: string[] = [];
    const s = new Supervisor({ policy: quick, report: (m) => reports.push(m) });
    let release: () => void = () => {};
    let started = false;
    const onExit = s.watch({
      name: 'API',
      restart: async () => {
        started = true;
        await new Promise<void>((r) => (release = r));
        return 1;
      },
    });
    onExit(1, null);
    await waitFor(() => started, 5000, 'the restart to begin');
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false, 'stop() waits for the restart under way');
    release();
    await stopping;
    onExit(1, null);
    assert.deepEqual(reports.filter((r) => r.includes('exited')), ['API exited (code 1); restarting in 1 ms (restart 1)']);
  });

  it('hands over at once to a ready replacement after a healthy run, and backs off as usual when crashes follow in a row', async () => {
    const reports: string[] = [];
    let now = 0;
    const s = new Supervisor({ policy: { initialMs: 1000, factor: 2, maxMs: 4000, resetAfterMs: 60_000 }, report: (m) => reports.push(m), now: () => now });
    let ready = true;
    let pid = 100;
    const onExit = s.watch({ name: 'worker', restart: async () => (pid += 1), replacementReady: () => ready });
    now = 120_000; // a healthy run
    onExit(null, 'SIGKILL');
    await waitFor(() => reports.length === 2, 5000, 'the immediate take-over');
    assert.deepEqual(reports, ['worker exited (SIGKILL); a standby takes over now (restart 1)', 'worker restarted (pid 101)']);
    // The replacement dies at once too: a crash in a row waits (the standby may be what fails).
    now += 10;
    onExit(1, null);
    assert.equal(reports[2], 'worker exited (code 1); restarting in 2 s (restart 2)');
    await s.stop();
    // No replacement ready after a healthy run: the usual first delay.
    const r2: string[] = [];
    const s2 = new Supervisor({ policy: quick, report: (m) => r2.push(m), now: () => 0 });
    ready = false;
    s2.watch({ name: 'worker', restart: async () => 1, replacementReady: () => ready })(null, 'SIGKILL');
    assert.equal(r2[0], 'worker exited (SIGKILL); restarting in 1 ms (restart 1)');
    await s2.stop();
  });
});
