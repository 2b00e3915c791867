// `npx kairos` against the real stack: the launcher (scripts/kairos.mjs → dist/scripts/cli.js) run as
// a user would, with its profile in a temporary file. Login with a password on stdin, whoami, apply a
// YAML file (dry run, then for real), list, get, run, runs, pause/resume, preview, rm, logout (the key
// stops working); another user's job stays invisible; API errors are printed with their fields.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, apiUrl, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const launcher = fileURLToPath(new URL('../../scripts/kairos.mjs', import.meta.url));

describe('kairos CLI on the real stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-cli-'));
  const config = join(dir, 'cli.json');
  const user = uniqueId('cli-user');
  const stranger = uniqueId('cli-stranger');
  const password = 'cli-user-password-1';
  let target: HttpTarget;

  /** Runs `kairos …` and resolves with its exit code and output (bounded: 60 s). */
  const kairos = (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [launcher, ...args], { env: { ...process.env, KAIROS_CLI_CONFIG: config, KAIROS_API_KEY: '', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out: out.trim() });
      });
      child.stdin.end(opts.stdin ?? '');
    });

  before(async () => {
    target = await startHttpTarget();
    for (const username of [user, stranger]) {
      const res = await api('POST', '/v1/users', { body: { username, password, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(async () => {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, manages jobs and runs, previews, and logs out', { timeout: 240_000 }, async () => {
    const wrong = await kairos(['login', '--url', apiUrl(), '--user', user, '--password-stdin'], { stdin: 'not-the-password\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.out, /^kairos: 401/u);
    const login = await kairos(['login', '--url', apiUrl(), '--user', user, '--password-stdin'], { stdin: `${password}\n` });
    assert.equal(login.code, 0, login.out);
    assert.match(login.out, new RegExp(`logged in to .* as ${user}`, 'u'));
    assert.equal(statSync(config).mode & 0o777, 0o600, 'the profile (an API key) is readable by its owner only');
    const me = await kairos(['whoami', '-o', 'json']);
    assert.equal((JSON.parse(me.out) as { username?: string; name?: string }).username ?? (JSON.parse(me.out) as { name?: string }).name, user);

    const jobId = uniqueId('cli-job');
    const file = join(dir, 'jobs.yaml');
    writeFileSync(file, `apiVersion: kairos/v1\nkind: JobList\njobs:\n  - id: ${jobId}\n    name: CLI job\n    type: http\n    data:\n      url: ${target.url}/cli\n    triggers:\n      - type: cron\n        dialect: quartz\n        expression: "0 0 12 1,L * ?"\n`);
    const dry = await kairos(['jobs', 'apply', '-f', file, '--dry-run']);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, new RegExp(`${jobId}\\s+create`, 'u'));
    assert.equal((await api('GET', `/v1/jobs/${jobId}`)).status, 404, 'a dry run changes nothing');
    const applied = await kairos(['jobs', 'apply', '-f', file]);
    assert.equal(applied.code, 0, applied.out);

    const ls = await kairos(['jobs', 'ls']);
    assert.match(ls.out.split('\n')[0] ?? '', /^ID\s+NAME\s+TYPE/u);
    assert.ok(ls.out.split('\n').some((l) => l.startsWith(jobId)), ls.out);
    const got = JSON.parse((await kairos(['jobs', 'get', jobId])).out) as { id: string; triggers: { expression: string }[] };
    assert.equal(got.triggers[0]?.expression, '0 0 12 1,L * ?');

    const run = JSON.parse((await kairos(['jobs', 'run', jobId, '--input', '{"n":1}'])).out) as { runId: string };
    assert.ok(run.runId);
    await waitFor(() => target.requests.some((r) => r.path === '/cli'), 60_000, 'the run to call its target');
    await waitFor(async () => (JSON.parse((await kairos(['runs', 'get', run.runId])).out) as { status: string }).status === 'succeeded', 60_000, 'the run to succeed');
    const runs = await kairos(['runs', 'ls', '--job', jobId, '-o', 'yaml']);
    assert.match(runs.out, new RegExp(`runId: ${run.runId}`, 'u'));

    assert.equal((JSON.parse((await kairos(['jobs', 'pause', jobId])).out) as { enabled: boolean }).enabled, false);
    assert.equal((JSON.parse((await kairos(['jobs', 'resume', jobId])).out) as { enabled: boolean }).enabled, true);
    const preview = await kairos(['preview', '0 15 10 ? * 6#3', '--dialect', 'quartz', '--tz', 'UTC', '--count', '2']);
    assert.equal(preview.code, 0, preview.out);
    assert.equal(preview.out.split('\n').length, 3, preview.out);
    const bad = await kairos(['preview', '0 15 10 ? * 6#9', '--dialect', 'quartz']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /400 .*\n\s+trigger\.expression: .*1-5/u);

    // Another user's job: the same answer as a job that does not exist.
    const theirs = uniqueId('cli-theirs');
    const basic = `Basic ${Buffer.from(`${stranger}:${password}`).toString('base64')}`;
    assert.equal((await api('POST', '/v1/jobs', { auth: basic, body: { id: theirs, name: 'theirs', type: 'http', data: { url: `${target.url}/x` } } })).status, 201);
    const hidden = await kairos(['jobs', 'get', theirs]);
    const missing = await kairos(['jobs', 'get', uniqueId('no-such-job')]);
    assert.equal(hidden.code, 1);
    assert.equal(hidden.out.replace(theirs, 'X'), missing.out.replace(/'[^']+'/u, "'X'").replace(/no-such-job-\w+/u, 'X'));

    const rm = await kairos(['jobs', 'rm', jobId]);
    assert.equal(rm.out, `deleted ${jobId}`);
    const key = (JSON.parse(readFileSync(config, 'utf8')) as { profiles: Record<string, { key: string }> }).profiles.default?.key ?? '';
    const out = await kairos(['logout']);
    assert.match(out.out, /logged out/u);
    assert.equal((await api('GET', '/v1/me', { auth: `Bearer ${key}` })).status, 401, 'the key is gone');
    assert.match((await kairos(['whoami'])).out, /not logged in/u);
  });
});
