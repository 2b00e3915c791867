// `npm start`'s orchestrator as a user runs it: it prints where things are, SIGTERM stops every child
// (no orphans), and a restart on the same data dir keeps jobs and run history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/dev-server.ts';
import { stateStoreEnv } from '../../scripts/test-db.ts';
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

describe('start command', () => {
  it('starts everything, stops cleanly on SIGTERM, and keeps jobs and history across a restart', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-start-'));
    const target = await startHttpTarget();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAIROS_DATA_DIR: dataDir,
      KAIROS_PORT: String(port),
      KAIROS_TEMPORAL_PORT: String(await freePort()),
      KAIROS_UI_PORT: String(await freePort()),
      KAIROS_TEMPORAL_HTTP_PORT: String(await freePort()),
      KAIROS_TEMPORAL_METRICS_PORT: String(await freePort()),
      KAIROS_DAPR_PORT: undefined,
      KAIROS_DAPR_API_TOKEN: undefined,
      KAIROS_FUSION_PORT: undefined,
      KAIROS_ADMIN_USER: undefined,
      KAIROS_ADMIN_PASSWORD: undefined,
      // A state store of its own (a fresh database on PostgreSQL runs), not the shared stack's.
      KAIROS_DATABASE_URL: undefined,
      // The dev server (the default start), not the cluster a PostgreSQL test pass runs on: that
      // one's database name would be shared with it.
      KAIROS_TEMPORAL: undefined,
      KAIROS_TEMPORAL_DB_NAME: undefined,
      KAIROS_TEMPORAL_INTERNAL_PORTS: undefined,
      ...(await stateStoreEnv()),
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const api = `http://127.0.0.1:${port}`;
    const started: Started[] = [];
    try {
      const first = startKairos(env);
      started.push(first);
      await waitFor(() => /ready in/.test(first.output()), 120_000, 'the first start to be ready');
      const out = first.output();
      assert.match(out, new RegExp(`API:\\s+${api.replace(/\./g, '\\.')}`));
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
      // A failed assertion must not leave a start command (and its Temporal) running.
      for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGINT');
      await Promise.all(started.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? new Promise((r) => s.child.once('exit', r)) : undefined)));
      await target.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
