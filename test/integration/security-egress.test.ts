// Egress (#13): a job must not reach Temporal's or Kairos's own endpoints, loopback or cloud metadata.
// Every attack runs as a plain user. The harness allows loopback test targets (127.0.0.1, localhost
// through KAIROS_EGRESS_ALLOW), yet the stack's own ports stay denied: that is what is tested here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer } from '../../scripts/dev-server.ts';
import { api, temporalClient, uniqueId, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type FusionErr = { type: string; httpStatusCode: number; message: string; details?: { path: string; message: string }[] };
interface Run {
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  output: unknown;
}

const port = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run through scripts/run-tests.ts`);
  return v;
};
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);

describe('egress policy (as a non-admin user)', () => {
  let target: HttpTarget;
  let user: string;
  const adminJob = uniqueId('admins-job');
  const ui = () => port('KAIROS_UI_PORT');
  const schedulesViaUi = () => `http://127.0.0.1:${ui()}/api/v1/namespaces/default/schedules`;

  before(async () => {
    target = await startHttpTarget();
    const username = uniqueId('egress-user');
    assert.equal((await api('POST', '/v1/users', { body: { username, password: 'egress-user-pw-1', role: 'user' } })).status, 201);
    user = `Basic ${Buffer.from(`${username}:egress-user-pw-1`).toString('base64')}`;
    // Another user's job: what the attacks would read or delete through the Temporal UI's HTTP API.
    const created = await api('POST', '/v1/jobs', { body: { id: adminJob, type: 'http', data: { url: `${target.url}/admin` }, triggers: [{ type: 'cron', expression: '0 3 * * *' }] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await api('DELETE', `/v1/jobs/${adminJob}`);
    await target.close();
  });

  /** The admin's schedule is still there, in Kairos and in Temporal. */
  async function adminJobIntact(): Promise<void> {
    assert.equal((await api('GET', `/v1/jobs/${adminJob}`)).status, 200);
    const client = await temporalClient();
    try {
      const d = await client.schedule.getHandle(adminJob).describe();
      assert.equal(d.scheduleId, adminJob);
    } finally {
      await client.connection.close();
    }
  }

  const denied = (): [string, RegExp][] => [
    [`${schedulesViaUi()}/${adminJob}`, /is the Temporal Web UI \(always denied\)/],
    [`http://127.0.0.1:${port('KAIROS_TEMPORAL_PORT')}/`, /is the Temporal frontend \(always denied\)/],
    [`http://127.0.0.1:${port('KAIROS_TEMPORAL_HTTP_PORT')}/api/v1/namespaces/default/schedules`, /is the Temporal HTTP API \(always denied\)/],
    [`http://127.0.0.1:${port('KAIROS_PORT')}/v1/jobs`, /is the Kairos API \(always denied\)/],
    [`http://127.0.0.1:${port('KAIROS_FUSION_PORT')}/api/jobs`, /is the Kairos Fusion port \(always denied\)/],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /169\.254\.169\.254:80 is link-local \(cloud metadata\) \(default deny/],
    [`http://[::1]:${target.url.split(':').pop()}/`, /\[::1\]:\d+ is loopback \(default deny; allow with KAIROS_EGRESS_ALLOW\)/],
    [`http://[::1]:${ui()}/api/v1/namespaces/default/schedules`, /\[::1\]:\d+ is the Temporal Web UI/],
    [`http://[::ffff:127.0.0.1]:${port('KAIROS_PORT')}/v1/users`, /is the Kairos API \(always denied\)/],
    [`http://localhost:${ui()}/api/v1/namespaces/default/schedules`, /localhost:\d+ \(127\.0\.0\.1\) is the Temporal Web UI/],
    [`http://kairos.localhost:${port('KAIROS_PORT')}/v1/jobs`, /is the Kairos API/],
    [`http://2130706433:${ui()}/`, /127\.0\.0\.1:\d+ is the Temporal Web UI/],
  ];

  it('refuses at save, through /v1, a job aimed at the stack, loopback or cloud metadata (400 naming data.url and the rule)', async () => {
    for (const [url, rule] of denied()) {
      const id = uniqueId('egress');
      const res = await api<ErrorBody>('POST', '/v1/jobs', { auth: user, body: { id, type: 'http', data: { url, method: 'DELETE' } } });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation');
      const d = res.body.error.details.find((x) => x.path === 'data.url');
      assert.ok(d, JSON.stringify(res.body));
      assert.match(d.message, rule, url);
      assert.equal((await api('GET', `/v1/jobs/${id}`)).status, 404, 'nothing was created');
    }
    // an edit cannot point an existing job there either
    const id = uniqueId('egress-edit');
    assert.equal((await api('POST', '/v1/jobs', { auth: user, body: { id, type: 'http', data: { url: `${target.url}/ok` } } })).status, 201);
    const patched = await api<ErrorBody>('PATCH', `/v1/jobs/${id}`, { auth: user, body: { data: { url: schedulesViaUi() } } });
    assert.equal(patched.status, 400);
    assert.equal((await api<{ data: { url: string } }>('GET', `/v1/jobs/${id}`, { auth: user })).body.data.url, `${target.url}/ok`);
    await api('DELETE', `/v1/jobs/${id}`, { auth: user });
    await adminJobIntact();
  });

  it('refuses them at save through the Fusion dialect, in its error shape', async () => {
    for (const [url, rule] of denied()) {
      const id = uniqueId('egress-fusion');
      const res = await api<FusionErr>('POST', '/fusion/api/tasks', { auth: user, body: { id, type: 'rest-call', callParams: { uri: url, method: 'DELETE' } } });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.type, 'RESTError');
      assert.match(res.body.message, rule, url);
      assert.ok(res.body.details?.some((d) => d.path.endsWith('url') && rule.test(d.message)), JSON.stringify(res.body));
      assert.equal((await api('GET', `/fusion/api/tasks/${id}`, { auth: user })).status, 404);
    }
    await adminJobIntact();
  });

  it('refuses a datasource HTTP source or sink aimed at a denied address (data.source.url, data.sink.url)', async () => {
    const res = await api<ErrorBody>('POST', '/v1/jobs', {
      auth: user,
      body: {
        type: 'datasource',
        data: { source: { kind: 'http', url: 'http://169.254.169.254/latest/user-data', format: 'ndjson' }, sink: { kind: 'http', url: `http://127.0.0.1:${port('KAIROS_PORT')}/v1/jobs` } },
      },
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const paths = Object.fromEntries(res.body.error.details.map((d) => [d.path, d.message]));
    assert.match(paths['data.source.url'] ?? '', /link-local/);
    assert.match(paths['data.sink.url'] ?? '', /the Kairos API \(always denied\)/);
  });

  async function runToEnd(body: Record<string, unknown>): Promise<Run> {
    const id = uniqueId('egress-run');
    const created = await api('POST', '/v1/jobs', { auth: user, body: { id, retry: { maxAttempts: 3, initialInterval: '200ms' }, ...body } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const started = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`, { auth: user });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const run = await waitFor(
      async () => {
        const r: ApiResponse<Run> = await api<Run>('GET', `/v1/runs/${started.body.runId}`, { auth: user });
        return r.status === 200 && FINAL.has(r.body.status) ? r.body : undefined;
      },
      30_000,
      'the run to finish',
    );
    await api('DELETE', `/v1/jobs/${id}`, { auth: user });
    return run;
  }

  it('fails the run, not retried, when an allowed target redirects to the Temporal UI or the Kairos API', async () => {
    const redirects: Record<string, string> = {
      '/to-ui': schedulesViaUi(),
      '/to-api': `http://127.0.0.1:${port('KAIROS_PORT')}/v1/jobs`,
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
    };
    target.respond = (req, res) => {
      const to = Object.entries(redirects).find(([p]) => req.path.startsWith(p))?.[1];
      if (to) res.writeHead(req.path.includes('307') ? 307 : 302, { location: to }).end();
      else res.writeHead(200).end('ok');
    };
    const cases: [string, string, RegExp][] = [
      ['/to-ui', 'GET', /127\.0\.0\.1:\d+ is the Temporal Web UI \(always denied\)/],
      ['/to-ui/307', 'DELETE', /the Temporal Web UI \(always denied\)/],
      ['/to-api', 'GET', /is the Kairos API \(always denied\)/],
      ['/to-metadata', 'GET', /link-local/],
    ];
    for (const [path, method, rule] of cases) {
      const before = target.requests.length;
      const run = await runToEnd({ type: 'http', data: { url: `${target.url}${path}`, method } });
      assert.equal(run.status, 'failed', JSON.stringify(run));
      assert.equal(run.error?.type, 'EgressDenied', JSON.stringify(run.error));
      assert.match(run.error?.message ?? '', rule);
      assert.equal(run.attempts, 1, 'a refusal is not retried');
      assert.equal(target.requests.length - before, 1, 'the allowed target was asked once');
      // the schedule list never reached the run: the UI was not asked
      assert.ok(!JSON.stringify(run).includes(adminJob), 'nothing read through the UI');
    }
    await adminJobIntact();
  });

  it('fails a datasource run whose HTTP source redirects to the Temporal UI', async () => {
    target.respond = (req, res) => {
      if (req.path.startsWith('/feed')) res.writeHead(302, { location: schedulesViaUi() }).end();
      else res.writeHead(200).end('ok');
    };
    const run = await runToEnd({
      type: 'datasource',
      data: { source: { kind: 'http', url: `${target.url}/feed.ndjson`, format: 'ndjson' }, sink: { kind: 'http', url: `${target.url}/sink` } },
    });
    assert.equal(run.status, 'failed', JSON.stringify(run));
    assert.equal(run.error?.type, 'EgressDenied', JSON.stringify(run.error));
    assert.match(run.error?.message ?? '', /the Temporal Web UI \(always denied\)/);
    assert.equal(run.attempts, 1);
    assert.equal(target.requests.filter((r) => r.path.startsWith('/sink')).length, 0, 'nothing was written');
    await adminJobIntact();
  });

  it('checks PostgreSQL connections too: a source whose secret points at the Temporal frontend fails the run (as the admin, who owns the secret)', async () => {
    const secret = `EGRESS_PG_${uniqueId('s').replace(/-/g, '_').toUpperCase()}`;
    const put = await api('PUT', `/v1/secrets/${secret}`, { body: { value: `postgres://postgres@localhost:${port('KAIROS_TEMPORAL_PORT')}/test` } });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
    const id = uniqueId('egress-pg');
    const created = await api('POST', '/v1/jobs', {
      body: {
        id,
        type: 'datasource',
        retry: { maxAttempts: 3, initialInterval: '200ms' },
        data: { source: { kind: 'postgres', connection: { $secret: secret }, query: 'SELECT 1 AS id', keyColumn: 'id' }, sink: { kind: 'http', url: `${target.url}/pg-sink` } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const started = await api<{ runId: string }>('POST', `/v1/jobs/${id}/run`);
    const run = await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${started.body.runId}`);
        return r.status === 200 && FINAL.has(r.body.status) ? r.body : undefined;
      },
      30_000,
      'the run to finish',
    );
    await api('DELETE', `/v1/jobs/${id}`);
    await api('DELETE', `/v1/secrets/${secret}`);
    assert.equal(run.status, 'failed', JSON.stringify(run));
    assert.equal(run.error?.type, 'EgressDenied', JSON.stringify(run.error));
    assert.match(run.error?.message ?? '', /PostgreSQL source: egress denied: localhost:\d+ \(.+\) is the Temporal frontend \(always denied\)/);
    assert.equal(run.attempts, 1);
  });

  it('the dev server listens on 127.0.0.1 only, and KAIROS_TEMPORAL_UI=off starts it without a Web UI', async () => {
    const lan = Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .find((i) => i.family === 'IPv4' && !i.internal)?.address;
    const dir = mkdtempSync(join(tmpdir(), 'kairos-headless-'));
    const ports = { port: await freePort(), uiPort: await freePort(), httpPort: await freePort(), metricsPort: await freePort() };
    const server = await startDevServer({ dbFile: join(dir, 'temporal.db'), namespace: 'default', ui: false, ...ports });
    try {
      assert.equal(server.uiUrl, null);
      assert.equal(await reachable('127.0.0.1', ports.uiPort), false, 'no Web UI');
      assert.equal(await reachable('127.0.0.1', ports.httpPort), true, 'the HTTP API is on the port given');
      assert.equal(await reachable('127.0.0.1', ports.metricsPort), true, 'metrics are on the port given');
      if (lan) {
        for (const p of [ports.port, ports.httpPort, ports.metricsPort, Number(ui())]) assert.equal(await reachable(lan, p), false, `port ${p} on ${lan}`);
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Whether a TCP connection to host:port is accepted. */
async function reachable(host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}
