// `npm start`'s orchestrator as a user runs it: it prints where things are, SIGTERM stops every child
// (no orphans), a restart on the same data dir keeps jobs and run history, and a worker or API that
// is killed comes back on its own while the rest keeps serving (scripts/supervise.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateStackEnv } from '../../scripts/stack.ts';
import { startHttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Started {
  child: ChildProcess;
  output: () => string;
}

function startKairos(env: NodeJS.ProcessEnv): Started {
  let out = '';
  // What `npm start` runs after its build check (the harness has built dist/).
  const child = spawn(process.execPath, [join(root, 'dist/scripts/start.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below pid (from ps), to check none outlives the start command. */
async function descendants(pid: number): Promise<number[]> {
  const out = await new Promise<string>((resolve) => {
    const p = spawn('ps', ['-e', '-o', 'pid=,ppid=']);
    let text = '';
    p.stdout.on('data', (c: Buffer) => (text += c.toString()));
    p.on('close', () => resolve(text));
  });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift() as number;
    for (const [p, pp] of rows) {
      if (pp !== parent) continue;
      found.push(p);
      queue.push(p);
    }
  }
  return found;
}

/**
 * The environment of a start command of its own: a private stack's (scripts/stack.ts privateStackEnv:
 * a private data dir, free ports, none of the outer harness's Temporal, dialect or metrics settings)
 * with no admin credential given (the start command generates one) and no developer's .env.
 */
async function startEnv(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; port: number }> {
  const env = await privateStackEnv(dataDir, { user: 'unused', password: 'unused-password' }, {
    KAIROS_ADMIN_USER: undefined,
    KAIROS_ADMIN_PASSWORD: undefined,
    KAIROS_ENV_FILE: 'none',
  });
  return { env, port: Number(env.KAIROS_PORT) };
}

/** Stops what a test started, even after a failed assertion (no start command and its Temporal left running). */
async function stopAll(started: Started[]): Promise<void> {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGINT');
  await Promise.all(started.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? new Promise((r) => s.child.once('exit', r)) : undefined)));
}

describe('start command', () => {
  it('starts everything, stops cleanly on SIGTERM, and keeps jobs and history across a restart', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-start-'));
    const target = await startHttpTarget();
    const { env, port } = await startEnv(dataDir);
    const api = `http://127.0.0.1:${port}`;
    const started: Started[] = [];
    try {
      const first = startKairos(env);
      started.push(first);
      await waitFor(() => /ready in/.test(first.output()), 120_000, 'the first start to be ready');
      const out = first.output();
      assert.match(out, new RegExp(`API:\\s+${api.replace(/\./g, '\\.')}`));
      assert.match(out, new RegExp(`Dashboard:\\s+${api.replace(/\./g, '\\.')}/ui/`));
      assert.match(out, /Web UI: http:\/\/127\.0\.0\.1:\d+/);
      const password = /Admin login: admin \/ (\S+)/.exec(out)?.[1];
      assert.ok(password, `a generated admin password is printed once:\n${out}`);
      const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      const headers = { authorization: auth, 'content-type': 'application/json' };
      const created = await fetch(`${api}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'survives-restart', type: 'http', data: { url: `${target.url}/x` } }),
      });
      assert.equal(created.status, 201);
      const run = (await (await fetch(`${api}/v1/jobs/survives-restart/run`, { method: 'POST', headers })).json()) as { runId: string };
      await waitFor(async () => {
        const r = (await (await fetch(`${api}/v1/runs/${run.runId}`, { headers })).json()) as { status?: string };
        return r.status === 'succeeded';
      }, 30_000, 'the run to succeed');

      const family = [first.child.pid as number, ...(await descendants(first.child.pid as number))];
      assert.ok(family.length >= 4, `start runs the dev server, the worker and the API as children (${family.length})`);
      first.child.kill('SIGTERM');
      await waitFor(() => first.child.exitCode !== null, 30_000, 'start to exit');
      assert.equal(first.child.exitCode, 0);
      assert.match(first.output(), /stopped/);
      await waitFor(() => family.every((pid) => !alive(pid)), 10_000, 'every child to be gone');

      const second = startKairos(env);
      started.push(second);
      await waitFor(() => /ready in/.test(second.output()), 120_000, 'the restart to be ready');
      assert.doesNotMatch(second.output(), /generated/, 'the admin password is printed only once');
      const job = await fetch(`${api}/v1/jobs/survives-restart`, { headers });
      assert.equal(job.status, 200, 'the job survived the restart');
      const history = (await (await fetch(`${api}/v1/runs/${run.runId}`, { headers })).json()) as { status?: string };
      assert.equal(history.status, 'succeeded', 'the run history survived the restart');
      second.child.kill('SIGINT');
      await waitFor(() => second.child.exitCode !== null, 30_000, 'the second start to exit');
    } finally {
      await stopAll(started);
      await target.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  it('restarts a killed worker, API or dev server on its own while everything else keeps serving', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-supervise-'));
    const target = await startHttpTarget();
    const { env, port } = await startEnv(dataDir);
    // The admin credential from a .env file: the API reads it, the worker (restarted or not) never sees it.
    const password = 'from-the-env-file-pw';
    env.KAIROS_ENV_FILE = join(dataDir, 'kairos.env');
    writeFileSync(env.KAIROS_ENV_FILE, `KAIROS_ADMIN_USER=admin\nKAIROS_ADMIN_PASSWORD="${password}"\n`);
    const api = `http://127.0.0.1:${port}`;
    const started: Started[] = [];
    let probing = true;
    let probe: Promise<void> = Promise.resolve();
    try {
      const kairos = startKairos(env);
      started.push(kairos);
      await waitFor(() => /ready in/.test(kairos.output()), 120_000, 'the start to be ready');
      assert.match(kairos.output(), /Admin login: admin \(password from KAIROS_ADMIN_PASSWORD\)/);
      assert.match(kairos.output(), /read \S+kairos\.env \(the environment wins over it\)/);
      const headers = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json' };
      const pidsFile = join(dataDir, 'processes.json');
      const pids = () => JSON.parse(readFileSync(pidsFile, 'utf8')) as { start: number; worker: number; standby?: number; api: number; temporal: number };
      const workerLog = join(dataDir, 'worker.log');
      const logLines = (text: string) => readFileSync(workerLog, 'utf8').split('\n').filter((l) => l.includes(text)).length;
      // The standby worker starts once the stack serves; it is ready when it says it stands by.
      await waitFor(() => pids().standby !== undefined && logLines('worker standing by') >= 1, 60_000, 'the standby worker to stand by');
      const before = pids();
      assert.ok(before.standby && alive(before.standby), 'processes.json names the standby worker'); 
      assert.equal(before.start, kairos.child.pid);
      for (const pid of [before.worker, before.api, before.temporal]) assert.ok(alive(pid), `pid ${pid} in processes.json runs`);

      const created = await fetch(`${api}/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'every-second', type: 'http', data: { url: `${target.url}/tick` }, triggers: [{ type: 'cron', dialect: 'quartz', expression: '* * * * * ?' }] }),
      });
      assert.equal(created.status, 201, await created.text());
      const ticksAfter = (t: number) => target.requests.filter((r) => r.path === '/tick' && r.at > t).length;
      await waitFor(() => ticksAfter(0) >= 2, 30_000, 'the job to fire');

      // The API answers all the while the worker is down and coming back (/healthz: the process serves).
      const apiFailures: string[] = [];
      probe = (async () => {
        while (probing) {
          try {
            const res = await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(2000) });
            if (!res.ok) apiFailures.push(`status ${res.status}`);
          } catch (err) {
            apiFailures.push((err as Error).message);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      const pollingLines = () => logLines('worker polling');
      const pollsBefore = pollingLines();
      const killedAt = Date.now();
      process.kill(before.worker, 'SIGKILL');
      await waitFor(() => /worker exited \(SIGKILL\); a standby takes over now \(restart 1\)/.test(kairos.output()), 10_000, 'the start command to report the crash');
      await waitFor(() => pollingLines() > pollsBefore, 30_000, 'the new worker to poll');
      const pollingAfterMs = Date.now() - killedAt;
      assert.equal(logLines('standby worker taking over'), 1, 'the standby took over (no cold start)');
      // Bounded past the default 30 s heartbeat timeout: a run whose HTTP activity was in flight on the
      // killed worker holds the every-second schedule (overlap skip) until Temporal times that attempt out.
      await waitFor(() => ticksAfter(killedAt) >= 1, 60_000, 'a run after the worker was killed');
      const firstRunAfterMs = Math.min(...target.requests.filter((r) => r.path === '/tick' && r.at > killedAt).map((r) => r.at)) - killedAt;
      const t = Date.now();
      await waitFor(() => ticksAfter(t) >= 2, 30_000, 'runs to go on every second');
      console.log(`[measure] worker SIGKILL → standby worker polling: ${pollingAfterMs} ms; → first run served: ${firstRunAfterMs} ms`);
      probing = false;
      await probe;
      assert.deepEqual(apiFailures, [], 'the API answered throughout');
      // A new standby replaces the one that took over.
      await waitFor(() => { const p = pids(); return p.standby !== undefined && p.standby !== before.standby && alive(p.standby); }, 60_000, 'a new standby worker');
      const afterWorker = pids();
      assert.equal(afterWorker.worker, before.standby, 'the standby became the worker');
      assert.ok(alive(afterWorker.worker), 'processes.json names the new worker');
      assert.ok(!readFileSync(`/proc/${afterWorker.worker}/environ`, 'utf8').includes(password), 'the (restarted) worker never sees the admin password from .env');
      assert.ok(readFileSync(`/proc/${before.api}/environ`, 'utf8').includes(password), 'the API has it');
      assert.equal(afterWorker.api, before.api, 'the API was not restarted');
      assert.equal(afterWorker.temporal, before.temporal, 'Temporal was not restarted');
      assert.ok(alive(before.api) && alive(before.temporal) && kairos.child.exitCode === null);
      assert.match(kairos.output(), /worker restarted \(pid \d+\)/);
      assert.match(readFileSync(join(dataDir, 'supervisor.log'), 'utf8'), /^\S+Z worker exited \(SIGKILL\); a standby takes over now \(restart 1\)$/m);
      // A standby that dies while standing by is started again; the worker is not touched.
      await waitFor(() => logLines('worker standing by') >= 2, 60_000, 'the new standby to stand by');
      process.kill(afterWorker.standby as number, 'SIGKILL');
      await waitFor(() => /the standby worker exited \(SIGKILL\); restarting in 1 s \(restart 1\)/.test(kairos.output()), 10_000, 'the start command to report the standby crash');
      await waitFor(() => { const p = pids(); return p.standby !== undefined && p.standby !== afterWorker.standby && alive(p.standby); }, 60_000, 'the standby to be restarted');
      assert.equal(pids().worker, afterWorker.worker, 'the worker was not restarted');

      // The API, killed the same way, comes back on its port; the worker and Temporal keep running.
      process.kill(before.api, 'SIGKILL');
      await waitFor(() => /API exited \(SIGKILL\); restarting in 1 s \(restart 1\)/.test(kairos.output()), 10_000, 'the start command to report the API crash');
      await waitFor(async () => (await fetch(`${api}/v1/jobs/every-second`, { headers })).status === 200, 60_000, 'the restarted API to answer');
      const afterApi = pids();
      assert.notEqual(afterApi.api, before.api);
      assert.equal(afterApi.worker, afterWorker.worker, 'the worker was not restarted');
      assert.equal(afterApi.temporal, before.temporal, 'Temporal was not restarted');
      const t2 = Date.now();
      await waitFor(() => ticksAfter(t2) >= 2, 30_000, 'runs to go on after the API restart');

      // The dev server too: it comes back on the same SQLite file and ports, and the worker and the
      // API (not restarted) find it again; the schedule fires on.
      process.kill(before.temporal, 'SIGKILL');
      await waitFor(() => /the Temporal dev server exited \(SIGKILL\); restarting in 1 s \(restart 1\)/.test(kairos.output()), 10_000, 'the start command to report the dev server crash');
      await waitFor(() => /the Temporal dev server restarted \(pid \d+\)/.test(kairos.output()), 120_000, 'the dev server to be back');
      const afterTemporal = pids();
      assert.notEqual(afterTemporal.temporal, before.temporal);
      assert.deepEqual([afterTemporal.worker, afterTemporal.api], [afterApi.worker, afterApi.api], 'neither the worker nor the API was restarted');
      const t3 = Date.now();
      await waitFor(() => ticksAfter(t3) >= 2, 60_000, 'runs to go on after the dev server restart');
      assert.equal((await fetch(`${api}/v1/jobs/every-second/pause`, { method: 'POST', headers })).status, 200);

      // Stopping still stops everything, the restarted processes included.
      const family = [kairos.child.pid as number, ...(await descendants(kairos.child.pid as number))];
      assert.ok(family.includes(afterApi.worker) && family.includes(afterApi.api), 'the restarted processes are the start command\'s children');
      assert.ok(family.includes(pids().standby as number), 'so is the standby');
      kairos.child.kill('SIGTERM');
      await waitFor(() => kairos.child.exitCode !== null, 30_000, 'start to exit');
      assert.equal(kairos.child.exitCode, 0);
      await waitFor(() => family.every((pid) => !alive(pid)), 10_000, 'every child to be gone');
    } finally {
      probing = false;
      await probe;
      await stopAll(started);
      await target.close();
      if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
