// The PostgreSQL-backed Temporal cluster (scripts/temporal-cluster.ts) under a private Kairos stack
// started the way `KAIROS_TEMPORAL=cluster npm start` starts it: four temporal-server processes on
// databases of this test's own (dropped at the end), a job that calls a loopback target, then the
// history service SIGKILLed and restarted under the running stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config.ts';
import { bootstrapAdminInState } from '../../core/auth/bootstrap.ts';
import { launchStack, privateStackEnv, type Stack } from '../../scripts/stack.ts';
import { CLUSTER_SERVICES, dropClusterDatabases, type Cluster } from '../../scripts/temporal-cluster.ts';
import { testDbPrefix } from '../../scripts/test-db.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { uniqueId } from '../support/env.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = { user: 'admin', password: 'cluster-test-admin-pw' };
const DB_URL = process.env.KAIROS_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('Temporal cluster on PostgreSQL (private stack, KAIROS_TEMPORAL=cluster)', { timeout: 420_000 }, () => {
  // The run's prefix: the test runner drops the run's databases even if this file dies before after().
  const dbName = `${testDbPrefix()}_tc_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-cluster-'));
  let stack: Stack;
  let cluster: Cluster;
  let target: HttpTarget;
  const auth = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };

  /** Starts a run now and waits (bounded) until it succeeded. */
  const runToSuccess = async (jobId: string, what: string): Promise<void> => {
    const started = await waitFor(async () => {
      const r = await call<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`);
      return r.status === 202 ? r.body.runId : undefined;
    }, 60_000, `${what}: the run to be accepted`);
    await waitFor(async () => (await call<{ status: string }>('GET', `/v1/runs/${started}`)).body.status === 'succeeded', 120_000, `${what}: run ${started} to succeed`);
  };

  before(async () => {
    target = await startHttpTarget();
    const env = await privateStackEnv(dataDir, ADMIN, {
      KAIROS_TEMPORAL: 'cluster',
      KAIROS_TEMPORAL_DB_URL: DB_URL,
      KAIROS_TEMPORAL_DB_NAME: dbName,
      KAIROS_LOG_LEVEL: 'warn',
    });
    const cfg = loadConfig(env);
    await bootstrapAdminInState(cfg);
    stack = await launchStack(cfg, { env, readyTimeoutMs: 180_000 });
    assert.ok(stack.cluster, 'launchStack started a cluster');
    cluster = stack.cluster;
  });

  after(async () => {
    await target?.close();
    await stack?.stop();
    await dropClusterDatabases(DB_URL, dbName);
    if (!process.env.KAIROS_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs frontend, history, matching and worker as four separate processes, and offers no Web UI', async () => {
    const pids = CLUSTER_SERVICES.map((n) => cluster.services[n].pid);
    assert.ok(pids.every((p) => typeof p === 'number' && p !== process.pid), `every service runs: ${pids.join(', ')}`);
    assert.equal(new Set(pids).size, 4, 'four distinct processes');
    for (const name of CLUSTER_SERVICES) {
      const cmdline = readFileSync(`/proc/${cluster.services[name].pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.deepEqual(cmdline.slice(-3), ['start', '--service', name], `${name}: ${cmdline.join(' ')}`);
    }
    assert.equal(stack.temporalAddress, cluster.address);
    assert.equal(stack.uiUrl, null);
    const ui = await call<{ temporalUiUrl: string | null }>('GET', '/ui/config.json');
    assert.equal(ui.body.temporalUiUrl, null, 'the dashboard links no Temporal Web UI');
  });

  it('fires a scheduled job (Temporal schedules run on the cluster)', async () => {
    const id = uniqueId('cluster-cron');
    const created = await call('POST', '/v1/jobs', {
      id,
      type: 'http',
      data: { url: `${target.url}/cron/${id}` },
      triggers: [{ type: 'cron', dialect: 'quartz', expression: '*/2 * * * * ?' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor(async () => {
      const runs = (await call<{ items: { status: string; trigger: string }[] }>('GET', `/v1/jobs/${id}/runs?limit=20`)).body.items ?? [];
      return runs.some((r) => r.status === 'succeeded');
    }, 60_000, 'a scheduled run to succeed');
    assert.ok(target.requests.some((r) => r.path === `/cron/${id}`), 'the schedule called the target');
    assert.equal((await call('DELETE', `/v1/jobs/${id}`)).status, 204);
  });

  it('runs a job against a loopback target, and still does after the history service is SIGKILLed and restarted', async () => {
    const id = uniqueId('cluster-job');
    const created = await call('POST', '/v1/jobs', { id, type: 'http', data: { url: `${target.url}/hit/${id}` } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await runToSuccess(id, 'before the kill');
    const hitsBefore = target.requests.filter((r) => r.path === `/hit/${id}`).length;
    assert.ok(hitsBefore >= 1, 'the target was called');

    const history = cluster.services.history;
    const oldPid = history.pid;
    await history.kill('SIGKILL');
    assert.equal(history.pid, undefined, 'history is down');
    await history.start();
    assert.ok(history.pid !== undefined && history.pid !== oldPid, 'a new history process serves');

    await runToSuccess(id, 'after the history restart');
    assert.ok(target.requests.filter((r) => r.path === `/hit/${id}`).length > hitsBefore, 'the target was called again');
    assert.equal((await call('DELETE', `/v1/jobs/${id}`)).status, 204);
  });
});
