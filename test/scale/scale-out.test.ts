// Scale-out under faults: two API and two worker processes on one PostgreSQL state store, behind a
// round-robin client; 32 clients create, update, run and delete jobs through every API surface for
// a bounded time while one API, one worker and Temporal's history service are SIGKILLed (and
// started again) and PostgreSQL is restarted. Afterwards: no acknowledged write lost, no
// acknowledged run lost or doubled, no overlapping runs where the overlap policy forbids them, every
// job reads the same through both instances, and no 5xx but 503s while Temporal (or the database)
// was down. Runs alone (scripts/run-tests.ts scale): it restarts the machine's PostgreSQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig, type Config } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { freePort } from '../../scripts/dev-server.ts';
import { privateStackEnv, waitReady } from '../../scripts/stack.ts';
import { createTestDatabase, TEST_PG_ADMIN_URL, testDbPrefix } from '../../scripts/test-db.ts';
import { startHttpTarget, type HttpTarget, type RecordedRequest } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { RoundRobin, type LoggedAnswer } from './client.ts';
import { clusterBackend, devServerBackend, startFleet, type Fleet, type TemporalBackend } from './fleet.ts';
import { markersIn, surfaces, type JobHandle, type Surface, type SurfaceEnv } from './surfaces.ts';

const ADMIN = { user: 'scale-admin', password: 'scale-admin-password' };
const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
const CLIENTS = 32;
const LOAD_MS = Number(process.env.KAIROS_SCALE_LOAD_SECONDS ?? 90) * 1000;
/** After Temporal or PostgreSQL is back, how long 503s still count as part of its outage (clients reconnect with backoff). */
const RECOVERY_GRACE_MS = 30_000;
/** How long a scheduled job's call is held by the target: longer than its 2 s period, so fires meet a running run. */
const SCHEDULED_HOLD_MS = 3000;

// Not waits for a condition: a fault's moment in the load and its duration are time itself.
const letTimePass = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const sh = promisify(execFile);

interface Window {
  what: string;
  from: number;
  to: number;
}

/** One job as its client knows it: its allowed end states and its runs. */
interface Tracked extends JobHandle {
  /** What the job may hold at the end: 'absent', or `m<n>` (the content of write n). */
  states: Set<string>;
  /** An unanswered write left the job's state open: the client stopped using it. */
  abandoned: boolean;
  runsAcked: number;
  runsUnknown: number;
  runIds: string[];
}

interface Op {
  at: number;
  surface: string;
  kind: string;
  result: string;
}

interface Run {
  runId: string;
  status: string;
  trigger: string;
  startedAt: string;
  endedAt: string | null;
}

/**
 * The PostgreSQL cluster to restart: the machine's one on 5432 (the latest version's `main`), or
 * KAIROS_SCALE_PG_CLUSTER=<version>/<name> together with KAIROS_TEST_PG_ADMIN_URL pointing at it (a
 * private cluster, so that a run beside other tests does not restart their server).
 */
function pgCluster(): { version: string; name: string } {
  const asked = process.env.KAIROS_SCALE_PG_CLUSTER;
  if (asked) {
    const [version, name] = asked.split('/');
    if (!version || !name) throw new Error(`KAIROS_SCALE_PG_CLUSTER: '${asked}' is not <version>/<name>, such as 15/main`);
    return { version, name };
  }
  const version = readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql: set KAIROS_SCALE_PG_CLUSTER');
  return { version, name: 'main' };
}

async function pgAccepts(): Promise<boolean> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Whether two runs' lifetimes overlap (a running run lasts until now). */
function overlapping(a: Run, b: Run): boolean {
  const end = (r: Run) => (r.endedAt ? Date.parse(r.endedAt) : Number.POSITIVE_INFINITY);
  return Date.parse(a.startedAt) < end(b) && Date.parse(b.startedAt) < end(a);
}

const countBy = <T>(items: T[], key: (t: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
};

describe('scale-out under faults: 2 APIs, 2 workers, PostgreSQL state store, round-robin clients', { timeout: 600_000 }, () => {
  const dirs: string[] = [];
  let target: HttpTarget;
  let temporal: TemporalBackend | undefined;
  let fleet: Fleet | undefined;
  let rr: RoundRobin;
  let env: SurfaceEnv;
  let all: Surface[];
  const windows: Window[] = [];
  /** Every fault from its start until what it took down was up again. */
  const faultSpans: Window[] = [];
  const faults: { what: string; at: string; downMs: number }[] = [];
  const tracked: Tracked[] = [];
  const ops: Op[] = [];
  const scheduled: { id: string; overlap: string }[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  let loadStart = 0;
  let faultsEnd = 0;

  before(async () => {
    const base = mkdtempSync(join(tmpdir(), 'kairos-scale-'));
    dirs.push(base);
    target = await startHttpTarget();
    target.respond = async (req: RecordedRequest, res: ServerResponse) => {
      const key = req.path.split('?')[0] ?? '';
      if (key.startsWith('/sched/')) {
        const n = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, n);
        maxInFlight.set(key, Math.max(maxInFlight.get(key) ?? 0, n));
        res.once('close', () => inFlight.set(key, (inFlight.get(key) ?? 1) - 1));
        await letTimePass(SCHEDULED_HOLD_MS);
      }
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"opstatus":0}');
    };

    const namespace = 'default';
    // The cluster by default (its history service is what gets killed); KAIROS_SCALE_TEMPORAL=dev runs
    // against the CLI dev server instead (the whole server stands in for the history service).
    const backend = process.env.KAIROS_SCALE_TEMPORAL ?? 'cluster';
    if (backend !== 'cluster' && backend !== 'dev') throw new Error(`KAIROS_SCALE_TEMPORAL: '${backend}' is not cluster or dev`);
    const started = Date.now();
    temporal =
      backend === 'cluster'
        ? await clusterBackend({
            dataDir: join(base, 'temporal'),
            namespace,
            dbUrl: TEST_PG_ADMIN_URL,
            // The run's prefix: the test runner drops it (and its _visibility) even after a crash.
            dbName: `${testDbPrefix()}_temporal`,
            frontendPort: await freePort(),
            onProgress: (m) => console.error(`[scale] ${m}`),
          })
        : await devServerBackend({
            dataDir: base,
            namespace,
            ports: { port: await freePort(), httpPort: await freePort(), metricsPort: await freePort(), uiPort: await freePort() },
          });
    console.error(`[scale] Temporal (${temporal.kind}) ready in ${Date.now() - started} ms`);

    const shared: NodeJS.ProcessEnv = {
      KAIROS_DATABASE_URL: await createTestDatabase(),
      KAIROS_SECRET_KEY: randomBytes(32).toString('base64'),
      KAIROS_TASK_QUEUE: 'kairos-scale',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      KAIROS_QUOTA_JOBS: '0',
      KAIROS_QUOTA_CONCURRENT_RUNS: '0',
      KAIROS_LOG_LEVEL: process.env.KAIROS_SCALE_LOG_LEVEL ?? 'warn',
      KAIROS_LOGIN_FAILURES_PER_USER: '100000',
      KAIROS_LOGIN_FAILURES_PER_ADDRESS: '100000',
      KAIROS_DAPR_API_TOKEN: 'scale-dapr-api-token',
      KAIROS_DAPR_APP_URL: target.url,
      KAIROS_VOLTMX_SERVER_URL: target.url,
    };
    const envs: NodeJS.ProcessEnv[] = [];
    const cfgs: Config[] = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = join(base, `instance-${i}`);
      const e = await privateStackEnv(dataDir, ADMIN, { ...shared, KAIROS_DAPR_PORT: String(await freePort()), KAIROS_FUSION_PORT: String(await freePort()) });
      envs.push(e);
      cfgs.push(loadConfig(e));
    }
    await bootstrapAdminInState(cfgs[0] as Config);
    fleet = await startFleet(envs as [NodeJS.ProcessEnv, NodeJS.ProcessEnv], cfgs as [Config, Config], join(base, 'logs'));
    rr = new RoundRobin(fleet.apis);

    // An API key (cheap to check, unlike a password) for the main port, and a Volt MX token.
    const key = await rr.send({ surface: 'setup', kind: 'api-key', method: 'POST', path: '/v1/api-keys', headers: { authorization: ADMIN_AUTH }, body: { name: 'scale' }, idempotent: false });
    assert.ok(key.answered && key.answer.status === 201, `API key: ${JSON.stringify(key)}`);
    const login = await fetch(`${fleet.apis[0].url}/voltmx/authService/accounts/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userid: ADMIN.user, password: ADMIN.password }).toString(),
    });
    assert.equal(login.status, 200);
    env = {
      targetUrl: target.url,
      apiKey: (key.answer.body as { key: string }).key,
      daprToken: 'scale-dapr-api-token',
      voltmxToken: ((await login.json()) as { claims_token: { value: string } }).claims_token.value,
    };
    all = surfaces(env);
  });

  after(async () => {
    await fleet?.stop();
    await temporal?.stop();
    await target?.close();
    if (!process.env.KAIROS_KEEP_TEST_DATA) for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const native = (method: string, path: string, body?: unknown) =>
    rr.send({ surface: 'check', kind: 'check', method, path, headers: { 'x-api-key': env.apiKey }, body, idempotent: true });

  /** One client: jobs of one surface, each created, changed, run and (every other one) deleted, until the end of the load. */
  async function client(ci: number, surface: Surface, until: number): Promise<void> {
    for (let seq = 0; Date.now() < until; seq++) {
      const job: Tracked = { surface: surface.name, key: `c${ci}j${seq}`, states: new Set(), abandoned: false, runsAcked: 0, runsUnknown: 0, runIds: [] };
      tracked.push(job);
      let n = 1;
      const write = async (kind: 'create' | 'update' | 'delete', call: () => Promise<string>, state: string) => {
        const result = await call();
        ops.push({ at: Date.now(), surface: surface.name, kind, result });
        if (result === 'acked') job.states = new Set([state]);
        else if (result === 'unknown') {
          job.states.add(state);
          job.abandoned = true;
        } else if (kind === 'create') job.abandoned = true;
      };
      job.states.add('absent');
      await write('create', () => surface.create(rr, job, n), `m${n}`);
      const steps: ('update' | 'run')[] = surface.canRun ? ['update', 'run', 'update', 'run'] : ['update', 'update'];
      for (const step of steps) {
        if (job.abandoned || Date.now() >= until) break;
        if (step === 'update') {
          n++;
          await write('update', () => surface.update(rr, job, n), `m${n}`);
        } else {
          const r = await surface.run(rr, job);
          ops.push({ at: Date.now(), surface: surface.name, kind: 'run', result: r.result });
          if (r.result === 'acked') {
            job.runsAcked++;
            if ('runId' in r && r.runId) job.runIds.push(r.runId);
          } else if (r.result === 'unknown') job.runsUnknown++;
        }
      }
      if (!job.abandoned && Date.now() < until && seq % 2 === 1) await write('delete', () => surface.remove(rr, job), 'absent');
    }
  }

  /** The faults, one after the other, while the load runs. */
  async function injectFaults(): Promise<void> {
    const f = fleet as Fleet;
    const t = temporal as TemporalBackend;
    const at = (ms: number) => letTimePass(loadStart + ms - Date.now());
    const fault = async (what: string, down: () => Promise<void>, up: () => Promise<void>, holdMs: number, window?: string) => {
      const from = Date.now();
      await down();
      await letTimePass(holdMs);
      await up();
      const to = Date.now();
      faults.push({ what, at: new Date(from).toISOString(), downMs: to - from });
      faultSpans.push({ what, from, to });
      if (window) windows.push({ what: window, from, to: to + RECOVERY_GRACE_MS });
    };
    const scale = LOAD_MS / 90_000;
    await at(10_000 * scale);
    await fault('SIGKILL api-1, then start it', () => f.apis[1].process.kill(), () => f.restartApi(f.apis[1]), 1000);
    await at(25_000 * scale);
    await fault('SIGKILL worker-0, then start it', () => f.workers[0].kill(), () => f.restartWorker(f.workers[0]), 1000);
    await at(40_000 * scale);
    await fault(`SIGKILL Temporal's history service (${t.kind}), then start it`, () => t.killHistory(), () => t.startHistory(), 5000, 'temporal history down');
    await at(60_000 * scale);
    const { version, name } = pgCluster();
    await fault(
      `restart PostgreSQL ${version}/${name}`,
      async () => {
        await sh('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart'], { timeout: 120_000 });
      },
      async () => {
        await waitFor(() => pgAccepts(), 60_000, 'PostgreSQL to accept connections again', 250);
      },
      0,
      // On the cluster backend Temporal's own store is down too; on either, Kairos's state store is.
      'postgresql restarting',
    );
    faultsEnd = Date.now();
  }

  /**
   * Jobs whose create was never answered have no id the client knows: find them by what the client
   * chose (Informer's slug, Volt MX's job name). A Volt MX create is not retried, so its name must
   * name at most one job.
   */
  async function resolveUnanswered(problems: string[]): Promise<void> {
    const unknownVoltmx = tracked.filter((j) => j.surface === 'voltmx' && !j.canonicalId);
    if (unknownVoltmx.length > 0) {
      const listed = await rr.send({ surface: 'check', kind: 'check', method: 'GET', path: '/voltmx/admin/api/jobs/job?limit=1000', headers: { 'X-VoltMX-Authorization': env.voltmxToken }, idempotent: true });
      const rows = listed.answered && Array.isArray(listed.answer.body) ? (listed.answer.body as { jobId: number; jobName: string }[]) : [];
      if (!listed.answered || listed.answer.status !== 200) problems.push(`Volt MX job list: ${JSON.stringify(listed)}`);
      for (const job of unknownVoltmx) {
        const named = rows.filter((r) => r.jobName === `scale ${job.key}`);
        if (named.length > 1) problems.push(`voltmx ${job.key}: one unanswered create made ${named.length} jobs: ${named.map((r) => r.jobId).join(', ')}`);
        if (named[0]) {
          job.ref = String(named[0].jobId);
          job.canonicalId = `voltmx.job.${named[0].jobId}`;
        }
      }
    }
    for (const job of tracked.filter((j) => j.canonicalId?.startsWith('informer-slug:'))) {
      const got = await native('GET', `/informer/api/jobs/scale-${job.key}`);
      if (got.answered && got.answer.status === 200) {
        job.ref = (got.answer.body as { id: string }).id;
        job.canonicalId = `informer.${job.ref.toLowerCase()}`;
      } else if (!got.answered || got.answer.status !== 404) problems.push(`informer ${job.key}: read by slug answered ${JSON.stringify(got)}`);
    }
  }

  it('loses no acknowledged write or run, never overlaps forbidden runs, and answers 5xx only as 503 while Temporal or the database was down', async () => {
    const f = fleet as Fleet;
    // Scheduled jobs that fire every 2 s and run 3 s: their overlap policy must keep one run at a time.
    for (const overlap of ['skip', 'skip', 'buffer_one', 'buffer_one']) {
      const id = `scale-sched-${overlap}-${scheduled.length}`;
      const r = await native('POST', '/v1/jobs', {
        id,
        type: 'http',
        overlap,
        retry: { maxAttempts: 10, initialInterval: '500ms' },
        timeout: { startToClose: '20s', heartbeat: '3s' },
        data: { url: `${target.url}/sched/${id}` },
        triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }],
      });
      assert.ok(r.answered && r.answer.status === 201, `scheduled job ${id}: ${JSON.stringify(r)}`);
      scheduled.push({ id, overlap });
    }

    loadStart = Date.now();
    const until = loadStart + LOAD_MS;
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, ci) => client(ci, all[ci % all.length] as Surface, until)));
    await injectFaults();
    await load;
    const loadEnd = Date.now();

    // ---- the fleet came through (a process that died is a problem; it is started again for the checks)
    const problems: string[] = [...f.unexpectedExits()];
    for (const a of f.apis) if (a.process.child?.exitCode !== null) await f.restartApi(a);
    for (const w of f.workers) if (w.child?.exitCode !== null) await f.restartWorker(w);
    for (const a of f.apis) await waitReady(a.url, 120_000);

    const figures: Record<string, unknown> = {
      temporal: (temporal as TemporalBackend).kind,
      loadSeconds: Math.round((loadEnd - loadStart) / 1000),
      faults,
      ops: countBy(ops, (o) => `${o.surface} ${o.kind} ${o.result}`),
      client: rr.stats,
      jobs: tracked.length,
      abandoned: tracked.filter((j) => j.abandoned).length,
    };

    // ---- every job reads as its acknowledged writes left it, the same through both instances ----
    await resolveUnanswered(problems);
    const checkable = tracked.filter((j) => j.canonicalId && !j.canonicalId.startsWith('informer-slug:'));
    figures.unchecked = tracked.length - checkable.length;
    await eachLimited(checkable, 4, async (job) => {
      const path = `/v1/jobs/${encodeURIComponent(job.canonicalId ?? '')}`;
      const auth = { 'x-api-key': env.apiKey };
      const [a, b] = await Promise.all(f.apis.map((i) => rr.at(i, { surface: 'check', kind: 'read', method: 'GET', path, headers: auth })));
      if (!a || !b) return;
      const allowed = [...job.states].sort().join(' or ');
      for (const [name, got] of [['api-0', a], ['api-1', b]] as const) {
        if (got.status === 404) {
          if (!job.states.has('absent')) problems.push(`${job.surface} ${job.key} (${job.canonicalId}): 404 through ${name}, expected ${allowed}`);
        } else if (got.status === 200) {
          const found = markersIn(job.key, got.body);
          if (found.length !== 1 || !job.states.has(`m${found[0]}`)) problems.push(`${job.surface} ${job.key} (${job.canonicalId}) through ${name} holds writes ${JSON.stringify(found)}, expected ${allowed}`);
        } else problems.push(`${job.surface} ${job.key}: GET ${path} through ${name} answered ${got.status} ${JSON.stringify(got.body)}`);
      }
      if (a.status !== b.status) problems.push(`${job.surface} ${job.key}: the instances disagree whether it exists (${a.status} / ${b.status})`);
      if (a.status !== 200 || b.status !== 200) return;
      const { state: _sa, ...ja } = a.body as Record<string, unknown>;
      const { state: _sb, ...jb } = b.body as Record<string, unknown>;
      if (JSON.stringify(ja) !== JSON.stringify(jb)) problems.push(`${job.surface} ${job.key}: /v1 reads differ between the instances:\n  ${JSON.stringify(ja)}\n  ${JSON.stringify(jb)}`);
      // The surface's own read, through both instances (a run ending between the two reads may change a
      // status field: read again, bounded, until they agree).
      const surface = all.find((s) => s.name === job.surface) as Surface;
      const { pick = (x: unknown) => x, ...req } = surface.read(job);
      let last = '';
      const same = await waitFor(
        async () => {
          const [x, y] = await Promise.all(f.apis.map((i) => rr.at(i, req)));
          const px = JSON.stringify([x?.status, pick(x?.body)]);
          const py = JSON.stringify([y?.status, pick(y?.body)]);
          last = `${px}\n  ${py}`;
          return px === py && x?.status === 200;
        },
        15_000,
        'the instances to agree',
        500,
      ).catch(() => false);
      if (!same) problems.push(`${job.surface} ${job.key}: its ${job.surface} read differs between the instances (or fails):\n  ${last}`);
    });

    // ---- every acknowledged run happened, once; none is lost ------------------------------------
    const withRuns = checkable.filter((j) => j.states.size === 1 && !j.states.has('absent') && j.runsAcked + j.runsUnknown > 0);
    const runCounts = { acked: 0, unknown: 0, found: 0 };
    const unsuccessful: { job: Tracked; run: Run }[] = [];
    await eachLimited(withRuns, 4, async (job) => {
      const path = `/v1/jobs/${encodeURIComponent(job.canonicalId ?? '')}/runs?limit=1000`;
      let items: Run[] = [];
      const settled = await waitFor(
        async () => {
          const r = await native('GET', path);
          if (!r.answered || r.answer.status !== 200) return false;
          items = (r.answer.body as { items: Run[] }).items;
          return items.length >= job.runsAcked && items.every((x) => x.status !== 'running');
        },
        120_000,
        `the runs of ${job.canonicalId} to end`,
        1000,
      ).catch(() => false);
      runCounts.acked += job.runsAcked;
      runCounts.unknown += job.runsUnknown;
      runCounts.found += items.length;
      const shown = JSON.stringify(items.map((x) => [x.runId, x.status, x.trigger]));
      if (!settled) problems.push(`${job.surface} ${job.key}: runs did not all end (or fewer than the ${job.runsAcked} acknowledged): ${shown}`);
      if (items.length < job.runsAcked || items.length > job.runsAcked + job.runsUnknown) {
        problems.push(`${job.surface} ${job.key}: ${items.length} runs, but ${job.runsAcked} run-nows were acknowledged and ${job.runsUnknown} unanswered: ${shown}`);
      }
      for (const id of job.runIds) if (!items.some((x) => x.runId === id)) problems.push(`${job.surface} ${job.key}: acknowledged run ${id} is missing: ${shown}`);
      for (const x of items) if (x.status !== 'succeeded') unsuccessful.push({ job, run: x });
    });
    // A run in flight when its worker died or Temporal's history was down may time out (heartbeat,
    // start-to-close) and, with no retry left, fail: that is its retry policy, not a lost run. Any
    // other failure, or one far from every fault, is a problem.
    const nearFault = (at: number) => faultSpans.some((w) => at >= w.from - 60_000 && at <= w.to + RECOVERY_GRACE_MS);
    figures.unsuccessfulRuns = [];
    for (const { job, run } of unsuccessful) {
      const got = await native('GET', `/v1/runs/${encodeURIComponent(run.runId)}`);
      const error = got.answered ? (got.answer.body as { error?: { type: string; message: string } | null }).error : undefined;
      const line = `${job.surface} ${job.key}: run ${run.runId} (started ${run.startedAt}) ended ${run.status}: ${error ? `${error.type}: ${error.message}` : JSON.stringify(got)}`;
      (figures.unsuccessfulRuns as string[]).push(line);
      const timedOut = run.status === 'timed_out' || /timed out/i.test(error?.message ?? '');
      if (!timedOut || !nearFault(Date.parse(run.startedAt))) problems.push(line);
    }
    for (const job of withRuns) {
      for (const id of job.runIds) {
        const got = await Promise.all(f.apis.map((i) => rr.at(i, { surface: 'check', kind: 'run', method: 'GET', path: `/v1/runs/${encodeURIComponent(id)}`, headers: { 'x-api-key': env.apiKey } })));
        for (const [k, g] of got.entries()) if (g.status !== 200) problems.push(`run ${id} of ${job.canonicalId}: GET /v1/runs/{id} through api-${k} answered ${g.status}`);
      }
    }
    figures.runs = runCounts;

    // ---- scheduled jobs: never two runs at once, and still firing after the faults ---------------
    const schedRuns: Record<string, number> = {};
    const schedNotRun: Record<string, number> = {};
    for (const { id } of scheduled) {
      const paused = await native('POST', `/v1/jobs/${id}/pause`);
      if (!paused.answered || paused.answer.status !== 200) problems.push(`pause ${id}: ${JSON.stringify(paused)}`);
    }
    for (const { id, overlap } of scheduled) {
      let items: Run[] = [];
      await waitFor(
        async () => {
          const r = await native('GET', `/v1/jobs/${id}/runs?limit=1000`);
          if (!r.answered || r.answer.status !== 200) return false;
          items = (r.answer.body as { items: Run[] }).items;
          return items.every((x) => x.status !== 'running');
        },
        90_000,
        `the runs of ${id} to end`,
        1000,
      ).catch(() => problems.push(`${id}: runs still running 90 s after the pause`));
      // Fire times that did not run (skipped by the overlap policy, missed during a fault) are history
      // rows too (#17): they have a due time and no lifetime, so they are counted, not checked for overlap.
      const notRun = items.filter((x) => x.status === 'skipped' || x.status === 'missed');
      schedNotRun[`${id}`] = notRun.length;
      items = items.filter((x) => !notRun.includes(x));
      schedRuns[`${id}`] = items.length;
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          const [a, b] = [items[i] as Run, items[j] as Run];
          if (overlapping(a, b)) problems.push(`${id} (overlap ${overlap}): runs ${a.runId} (${a.startedAt}–${a.endedAt}) and ${b.runId} (${b.startedAt}–${b.endedAt}) overlap`);
        }
      }
      if (!items.some((x) => Date.parse(x.startedAt) > faultsEnd)) problems.push(`${id}: no run started after the last fault (${new Date(faultsEnd).toISOString()})`);
    }
    figures.scheduledRuns = schedRuns;
    figures.scheduledNotRun = schedNotRun;
    figures.scheduledTargetMaxInFlight = Object.fromEntries(maxInFlight);

    // ---- 5xx only as 503 while Temporal or PostgreSQL was down -----------------------------------
    // A request in flight at any time of a window (an update may take many seconds to answer).
    const inWindow = (a: LoggedAnswer) => windows.some((w) => a.at - a.ms <= w.to && a.at >= w.from);
    const fiveXX = rr.answers.filter((a) => a.status >= 500);
    const bad = fiveXX.filter((a) => !(a.status === 503 && inWindow(a)));
    figures.windows = windows.map((w) => ({ what: w.what, from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() }));
    figures.answers = rr.answers.length;
    figures.non2xx = countBy(
      rr.answers.filter((a) => a.status >= 300 && a.surface !== 'check'),
      (a) => `${a.status} ${a.surface} ${a.kind}`,
    );
    figures.fiveXX = countBy(fiveXX, (a) => `${a.status} ${a.surface} ${a.kind}${inWindow(a) ? ' (in a down window)' : ''}`);
    for (const a of bad.slice(0, 20)) problems.push(`${a.status} at ${new Date(a.at).toISOString()} from ${a.instance}: ${a.method} ${a.path} (${a.surface} ${a.kind}): ${a.body}`);
    if (bad.length > 20) problems.push(`… and ${bad.length - 20} more 5xx outside the down windows or not 503`);

    // Answer times of the load's requests (ms), per surface and kind: p50 / p95 / max.
    const times = new Map<string, number[]>();
    for (const a of rr.answers) if (a.status > 0 && a.surface !== 'check' && a.surface !== 'setup') times.set(`${a.surface} ${a.kind}`, [...(times.get(`${a.surface} ${a.kind}`) ?? []), a.ms]);
    figures.answerMs = Object.fromEntries(
      [...times.entries()].sort().map(([k, v]) => {
        const s = [...v].sort((x, y) => x - y);
        const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
        return [k, `${q(0.5)} / ${q(0.95)} / ${s.at(-1)}`];
      }),
    );
    figures.timedOut = rr.answers.filter((a) => a.body === 'TimeoutError').map((a) => `${new Date(a.at).toISOString()} ${a.instance} ${a.surface} ${a.kind} ${a.method} ${a.path}`);

    // What happened to each job a problem names: its requests and answers, in order.
    for (const job of tracked) {
      if (!problems.some((p) => p.startsWith(`${job.surface} ${job.key}:`) || p.startsWith(`${job.surface} ${job.key} (`))) continue;
      const lines = rr.answers.filter((a) => a.tag === job.key).map((a) => `    ${new Date(a.at).toISOString()} ${a.instance} ${a.kind} ${a.method} ${a.path} → ${a.status || 'no answer'} ${a.body.slice(0, 160)}`);
      problems.push(`${job.surface} ${job.key} (${job.canonicalId}), its requests:\n${lines.join('\n')}`);
    }

    console.log(`[scale] ${JSON.stringify(figures, null, 1)}`);
    assert.deepEqual(problems, [], `${problems.length} problems after the scale-out fault run:\n${problems.join('\n')}`);
  });
});
