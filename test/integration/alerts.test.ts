// Alerts (#17 item 4) on the real stack: rules on the real API, run events in the real worker,
// deliveries as real notify workflows to a real HTTP receiver and a real SMTP server on loopback.
// Each rule condition is a test; so are the retries, the Slack preset, the record of deliveries, and
// the attacks (a forbidden webhook address, another user's job, rule and secret).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import { api, apiUrl, uniqueId, type ApiResponse } from '../support/env.ts';
import { startHttpTarget, type HttpTarget, type RecordedRequest } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase, type Db } from '../../core/db/open.ts';
import { AlertEvents } from '../../core/alerts/events.ts';
import { connectTemporal } from '../../core/temporal/connection.ts';
import type { TemporalGateway } from '../../core/temporal/gateway.ts';
import { JobSideState, rolesFrom } from '../../core/sharing/job-side-state.ts';
import { AuthStore } from '../../core/auth/store.ts';
import { AccessService } from '../../core/access/service.ts';

type Json = Record<string, unknown>;
type NativeError = { error: { code: string; message: string; details: { path: string; message: string }[] } };
interface Delivery {
  id: string;
  ruleId: string;
  jobId: string;
  runId: string;
  event: string;
  channel: string;
  attempts: number;
  status: string;
  lastError: string | null;
  sentAt: string | null;
}
interface Mail {
  from: string;
  to: string[];
  raw: string;
}

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

describe('alerts', { timeout: 300_000 }, () => {
  let target: HttpTarget; // the jobs' HTTP target
  let receiver: HttpTarget; // where webhooks go
  let smtp: SMTPServer;
  const mails: Mail[] = [];
  const jobs: string[] = [];
  const pw = 'alerts-user-password';
  const users = { a: uniqueId('al-alice'), b: uniqueId('al-bob') };
  let A = '';
  let B = '';
  let db: Db;
  let temporal: TemporalGateway;

  /** What the jobs' target answers, per job path: a status sequence, then the last one forever. */
  const plans = new Map<string, number[]>();
  /** Held responses (the long-run test), released when the promise resolves. */
  const holds = new Map<string, Promise<void>>();
  /** What the webhook receiver answers, per rule path. */
  const receiverPlans = new Map<string, number[]>();

  before(async () => {
    db = openDatabase(loadConfig(process.env).database);
    temporal = await connectTemporal(loadConfig(process.env).temporal);
    target = await startHttpTarget();
    target.respond = async (req, res) => {
      const key = req.path.split('?')[0]!.slice(1);
      await holds.get(key);
      const plan = plans.get(key) ?? [200];
      const status = plan.length > 1 ? plan.shift()! : plan[0]!;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'boom');
    };
    receiver = await startHttpTarget();
    receiver.respond = (req, res) => {
      const plan = receiverPlans.get(req.path.slice(1)) ?? [200];
      const status = plan.length > 1 ? plan.shift()! : plan[0]!;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
    };
    const smtpUrl = new URL(process.env.KAIROS_SMTP_URL ?? '');
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(Number(smtpUrl.port), '127.0.0.1', () => resolve());
    });
    for (const username of Object.values(users)) {
      const res = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: pw, role: 'user' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    A = basic(users.a, pw);
    B = basic(users.b, pw);
  });

  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
    await receiver.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await temporal.close();
    await db.close();
  });

  const as =
    (auth: string | undefined) =>
    <T = Json>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
      api<T>(method, path, { ...(auth ? { auth } : {}), ...(body !== undefined ? { body } : {}) });

  /** A manual http job to the target at /<id> (one attempt per run). */
  async function createJob(auth?: string, extra: Json = {}): Promise<string> {
    const id = uniqueId('al-job');
    const res = await as(auth)('POST', '/v1/jobs', { id, name: `Job "${id}"`, type: 'http', data: { url: `${target.url}/${id}`, method: 'GET' }, retry: { maxAttempts: 1 }, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(id);
    return id;
  }

  async function createRule(body: Json, auth?: string): Promise<string> {
    const res = await as(auth)<{ id: string }>('POST', '/v1/alerts/rules', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }

  async function runToEnd(jobId: string, auth?: string): Promise<{ runId: string; status: string }> {
    const started = await as(auth)<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const runId = started.body.runId;
    return await waitFor(
      async () => {
        const r = await as(auth)<{ status: string }>('GET', `/v1/runs/${runId}`);
        return r.status === 200 && r.body.status !== 'running' ? { runId, status: r.body.status } : undefined;
      },
      30_000,
      `run ${runId} to finish`,
    );
  }

  const received = (path: string): RecordedRequest[] => receiver.requests.filter((r) => r.path === `/${path}`);

  async function deliveries(query: string, auth?: string): Promise<Delivery[]> {
    const res = await as(auth)<{ items: Delivery[] }>('GET', `/v1/alerts/deliveries?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  }

  /** Waits until the rule has `count` deliveries, none pending. */
  async function settled(ruleId: string, count: number, timeoutMs = 30_000): Promise<Delivery[]> {
    return await waitFor(
      async () => {
        const items = await deliveries(`ruleId=${ruleId}`);
        return items.length === count && items.every((d) => d.status !== 'pending') ? items : undefined;
      },
      timeoutMs,
      `${count} settled deliveries of rule ${ruleId}`,
    );
  }

  it('a failed run sends the webhook once, with the templated body, and records the delivery', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const path = uniqueId('hook-failed');
    const ruleId = await createRule({
      name: 'on failure',
      jobId,
      when: { event: 'failed' },
      channel: {
        type: 'webhook',
        url: `${receiver.url}/${path}`,
        headers: { 'X-Team': 'ops' },
        body: { text: 'Job {{job.name}} failed: {{error.message}}', job: '{{job.id}}', run: '{{run.id}}', ms: '{{run.durationMs}}', link: '{{links.run}}', nothing: '{{run.reason}}' },
      },
    });
    const { runId, status } = await runToEnd(jobId);
    assert.equal(status, 'failed');
    const [d] = await settled(ruleId, 1);
    assert.equal(d!.status, 'sent');
    assert.equal(d!.attempts, 1);
    assert.equal(d!.event, 'failed');
    assert.equal(d!.runId, runId);
    assert.equal(d!.channel, 'webhook');
    assert.ok(d!.sentAt);
    const got = received(path);
    assert.equal(got.length, 1, 'received once');
    const req = got[0]!;
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-team'], 'ops');
    assert.equal(req.headers['x-kairos-delivery'], d!.id);
    const body = JSON.parse(req.body) as Json;
    assert.equal(body.text, `Job Job "${jobId}" failed: GET ${target.url}/${jobId} answered 500`);
    assert.equal(body.job, jobId);
    assert.equal(body.run, runId);
    assert.equal(typeof body.ms, 'number');
    assert.equal(body.link, `${apiUrl()}/v1/runs/${encodeURIComponent(runId)}`);
    assert.equal(body.nothing, null);
    // The audit log names the rule's creation, with its job.
    const audit = await api<{ items: { action: string; jobId: string | null; target: string | null; outcome: string }[] }>('GET', `/v1/audit?job=${encodeURIComponent(jobId)}&action=alert.create`);
    assert.equal(audit.status, 200);
    assert.deepEqual(
      audit.body.items.map((e) => [e.action, e.target, e.outcome]),
      [['alert.create', ruleId, 'ok']],
    );
    // a success fires nothing for this rule
    plans.set(jobId, [200]);
    await runToEnd(jobId);
    const again = await deliveries(`ruleId=${ruleId}`);
    assert.equal(again.length, 1);
  });

  it('a receiver that fails twice then succeeds gets one delivery after 3 attempts (retried with back-off)', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const path = uniqueId('hook-retry');
    receiverPlans.set(path, [503, 500, 200]);
    const ruleId = await createRule({ name: 'retried', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/${path}` } });
    await runToEnd(jobId);
    const [d] = await settled(ruleId, 1);
    assert.equal(d!.status, 'sent');
    assert.equal(d!.attempts, 3);
    const got = received(path);
    assert.equal(got.length, 3, 'two failed attempts and the one that was accepted');
    assert.equal(new Set(got.map((r) => r.headers['x-kairos-delivery'])).size, 1, 'every attempt carries the same delivery id');
    assert.ok(got[1]!.at - got[0]!.at >= 900, 'back-off between attempts');
    // The standard payload (no template).
    const body = JSON.parse(got[2]!.body) as { event: string; job: { id: string }; run: { status: string }; error: { type: string } };
    assert.equal(body.event, 'failed');
    assert.equal(body.job.id, jobId);
    assert.equal(body.run.status, 'failed');
    assert.equal(body.error.type, 'HttpStatus500');
  });

  it('a delivery whose every attempt fails is recorded failed and never sent again', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const path = uniqueId('hook-down');
    receiverPlans.set(path, [500]);
    const ruleId = await createRule({ name: 'down', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/${path}` } });
    await runToEnd(jobId);
    const [d] = await settled(ruleId, 1, 60_000);
    assert.equal(d!.status, 'failed');
    assert.equal(d!.attempts, 5);
    assert.match(d!.lastError ?? '', /answered 500/);
    assert.equal(received(path).length, 5);
    // A final 4xx is not retried at all.
    const job4 = await createJob();
    plans.set(job4, [500]);
    const path4 = uniqueId('hook-404');
    receiverPlans.set(path4, [404]);
    const rule4 = await createRule({ name: 'gone', jobId: job4, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/${path4}` } });
    await runToEnd(job4);
    const [d4] = await settled(rule4, 1);
    assert.equal(d4!.status, 'failed');
    assert.equal(d4!.attempts, 1);
    assert.equal(received(path4).length, 1);
    assert.equal(received(path).length, 5, 'the given-up delivery was not sent again');
    assert.equal((await deliveries(`ruleId=${ruleId}`))[0]!.status, 'failed');
  });

  it('consecutiveFailures fires once at N; recovered fires at the first success after failures', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const streakPath = uniqueId('hook-streak');
    const recoverPath = uniqueId('hook-recover');
    const streakRule = await createRule({ name: 'three in a row', jobId, when: { event: 'consecutiveFailures', count: 3 }, channel: { type: 'webhook', url: `${receiver.url}/${streakPath}` } });
    const recoverRule = await createRule({ name: 'back', jobId, when: { event: 'recovered' }, channel: { type: 'webhook', url: `${receiver.url}/${recoverPath}` } });
    // A success first: no recovery (nothing failed before).
    plans.set(jobId, [200]);
    await runToEnd(jobId);
    plans.set(jobId, [500]);
    const failedRuns: string[] = [];
    for (let i = 0; i < 2; i++) failedRuns.push((await runToEnd(jobId)).runId);
    assert.equal((await deliveries(`ruleId=${streakRule}`)).length, 0, 'two failures: not yet');
    failedRuns.push((await runToEnd(jobId)).runId);
    const [s] = await settled(streakRule, 1);
    assert.equal(s!.runId, failedRuns[2]);
    assert.equal(s!.event, 'consecutiveFailures');
    const body = JSON.parse(received(streakPath)[0]!.body) as { summary: string; run: { consecutiveFailures: number } };
    assert.equal(body.run.consecutiveFailures, 3);
    assert.match(body.summary, /failed 3 times in a row/);
    await runToEnd(jobId); // the fourth failure: the streak rule does not fire again
    assert.equal((await deliveries(`ruleId=${recoverRule}`)).length, 0);
    plans.set(jobId, [200]);
    const ok = await runToEnd(jobId);
    const [r] = await settled(recoverRule, 1);
    assert.equal(r!.runId, ok.runId);
    assert.equal(r!.event, 'recovered');
    const rb = JSON.parse(received(recoverPath)[0]!.body) as { summary: string; error: unknown; run: { status: string } };
    assert.match(rb.summary, /recovered after 4 failed runs/);
    assert.equal(rb.error, null);
    assert.equal(rb.run.status, 'succeeded');
    assert.equal((await deliveries(`ruleId=${streakRule}`)).length, 1, 'still one streak alert');
  });

  it('longerThan alerts while the run is still running', async () => {
    const jobId = await createJob();
    let release: () => void = () => {};
    holds.set(jobId, new Promise<void>((r) => (release = r)));
    const path = uniqueId('hook-long');
    const ruleId = await createRule({ name: 'slow', jobId, when: { event: 'longerThan', duration: '2s' }, channel: { type: 'webhook', url: `${receiver.url}/${path}` } });
    const started = await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`);
    const runId = started.body.runId;
    try {
      await waitFor(() => received(path).length > 0, 60_000, 'the long-run alert');
      const run = await api<{ status: string }>('GET', `/v1/runs/${runId}`);
      assert.equal(run.body.status, 'running', 'the alert came while the run was still running');
      const body = JSON.parse(received(path)[0]!.body) as { event: string; run: { id: string; status: string }; summary: string };
      assert.equal(body.event, 'longerThan');
      assert.equal(body.run.id, runId);
      assert.equal(body.run.status, 'running');
      assert.match(body.summary, /running for more than 2 s/);
    } finally {
      release();
    }
    await waitFor(async () => (await api<{ status: string }>('GET', `/v1/runs/${runId}`)).body.status === 'succeeded', 30_000, 'the run to finish');
    const [d] = await settled(ruleId, 1);
    assert.equal(d!.status, 'sent');
    // A run shorter than the threshold alerts nothing.
    holds.delete(jobId);
    await runToEnd(jobId);
    assert.equal((await deliveries(`ruleId=${ruleId}`)).length, 1);
  });

  it('e-mail goes through the operator SMTP server to the rule recipients', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const to = `${uniqueId('ops')}@example.com`;
    const ruleId = await createRule({ name: 'mail me', jobId, when: { event: 'failed' }, channel: { type: 'email', to: [to], subject: 'ALERT {{job.id}} {{event}}' } });
    const { runId } = await runToEnd(jobId);
    const [d] = await settled(ruleId, 1);
    assert.equal(d!.status, 'sent', d!.lastError ?? '');
    assert.equal(d!.channel, 'email');
    const mail = mails.find((m) => m.to.includes(to));
    assert.ok(mail, 'the SMTP server received the mail');
    assert.equal(mail.from, 'kairos-alerts@kairos.test');
    assert.match(mail.raw, new RegExp(`Subject: ALERT ${jobId} failed`));
    // The text part is quoted-printable: soft line breaks and =XX escapes undone before looking.
    const text = mail.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    assert.ok(text.includes(runId), 'the body names the run');
    assert.match(mail.raw, /X-Kairos-Delivery: dlv_/);
  });

  it('the slack preset posts a Slack-compatible {text, blocks} body', async () => {
    const jobId = await createJob();
    plans.set(jobId, [500]);
    const path = uniqueId('hook-slack');
    const ruleId = await createRule({ name: 'slack', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/${path}`, preset: 'slack' } });
    await runToEnd(jobId);
    await settled(ruleId, 1);
    const body = JSON.parse(received(path)[0]!.body) as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    assert.match(body.text, new RegExp(`${jobId}.* failed: HttpStatus500`));
    assert.deepEqual(
      body.blocks.map((b) => b.type),
      ['header', 'section', 'context'],
    );
    assert.equal(body.blocks[1]!.text!.type, 'mrkdwn');
    assert.ok(body.blocks[1]!.text!.text.includes(`/ui/#/jobs/${jobId}|`), 'a link to the job');
    // A body template with the slack preset is refused, naming the field.
    const bad = await api<NativeError>('POST', '/v1/alerts/rules', { body: { name: 's', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/x`, preset: 'slack', body: { a: 1 } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0]?.path, 'channel.body');
  });

  it('skipped and missed fire times alert once per fire time (the entry point the skips recorder calls)', async () => {
    const jobId = await createJob();
    const path = uniqueId('hook-skip');
    const skipRule = await createRule({ name: 'skipped', jobId, when: { event: 'skipped' }, channel: { type: 'webhook', url: `${receiver.url}/${path}` } });
    const missRule = await createRule({ name: 'missed', jobId, when: { event: 'missed' }, channel: { type: 'webhook', url: `${receiver.url}/${path}-m` } });
    const cfg = loadConfig(process.env);
    const auth = new AuthStore(db);
    const events = new AlertEvents({ db, temporal, taskQueue: cfg.taskQueue, roleOf: rolesFrom(auth), jobs: new JobSideState(db, rolesFrom(auth), new AccessService(db)), publicUrl: cfg.alerts.publicUrl });
    const scheduledAt = '2026-12-04T10:00:00.000Z';
    const first = await events.notifyRunNotHappened({ jobId, scheduledAt, reason: 'overlap', status: 'skipped' });
    const second = await events.notifyRunNotHappened({ jobId, scheduledAt, reason: 'overlap', status: 'skipped' });
    assert.equal(first.length, 1);
    assert.deepEqual(second, first, 'the same fire time again: the same delivery');
    const [d] = await settled(skipRule, 1);
    assert.equal(d!.status, 'sent');
    assert.equal(d!.runId, `${jobId}@${scheduledAt}`);
    assert.equal(received(path).length, 1, 'delivered once');
    const body = JSON.parse(received(path)[0]!.body) as { event: string; run: { reason: string; scheduledAt: string }; summary: string };
    assert.equal(body.event, 'skipped');
    assert.equal(body.run.reason, 'overlap');
    assert.equal(body.run.scheduledAt, scheduledAt);
    assert.equal((await deliveries(`ruleId=${missRule}`)).length, 0, 'a skip is no miss');
    await events.notifyRunNotHappened({ jobId, scheduledAt: '2026-12-04T11:00:00.000Z', reason: 'catchupWindow', status: 'missed' });
    const [m] = await settled(missRule, 1);
    assert.equal(m!.event, 'missed');
    assert.deepEqual(await events.notifyRunNotHappened({ jobId: uniqueId('no-such-job'), scheduledAt, reason: 'overlap', status: 'skipped' }), []);
  });

  it('refuses a webhook to a forbidden address, naming the field, and saves nothing', async () => {
    const jobId = await createJob();
    const before = (await api<{ items: unknown[] }>('GET', `/v1/alerts/rules?jobId=${jobId}`)).body.items.length;
    const apiPort = new URL(apiUrl()).port;
    for (const url of [`http://127.0.0.1:${apiPort}/v1/jobs`, 'http://169.254.169.254/latest/meta-data/', `http://[::1]:${receiver.url.split(':').pop()}/x`]) {
      const res = await api<NativeError>('POST', '/v1/alerts/rules', { body: { name: 'evil', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url } } });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.details[0]?.path, 'channel.url');
      assert.match(res.body.error.details[0]!.message, /egress denied/);
    }
    const bad = await api<NativeError>('POST', '/v1/alerts/rules', { body: { name: 'x', jobId, when: { event: 'consecutiveFailures', count: 1 }, channel: { type: 'webhook', url: 'file:///etc/passwd' } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d) => d.path).sort(), ['channel.url', 'when.count']);
    const tpl = await api<NativeError>('POST', '/v1/alerts/rules', { body: { name: 'x', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/t`, body: { a: '{{job.password}}' } } } });
    assert.equal(tpl.status, 400);
    assert.equal(tpl.body.error.details[0]?.path, 'channel.body.a');
    assert.equal((await api<{ items: unknown[] }>('GET', `/v1/alerts/rules?jobId=${jobId}`)).body.items.length, before, 'nothing saved');
  });

  it('a global rule sees every job; a rule stays with the creation of the job it was made for', async () => {
    const cfg = loadConfig(process.env);
    const auth = new AuthStore(db);
    const events = new AlertEvents({ db, temporal, taskQueue: cfg.taskQueue, roleOf: rolesFrom(auth), jobs: new JobSideState(db, rolesFrom(auth), new AccessService(db)), publicUrl: cfg.alerts.publicUrl });
    // An admin's global rule fires for a plain user's job. (On `skipped`, reported below only: the
    // shared stack's other runs are not alerted.)
    const bobJob = await createJob(B);
    const gPath = uniqueId('hook-global');
    const globalRule = await createRule({ name: 'every job', when: { event: 'skipped' }, channel: { type: 'webhook', url: `${receiver.url}/${gPath}` } });
    try {
      await events.notifyRunNotHappened({ jobId: bobJob, scheduledAt: '2026-12-04T12:00:00.000Z', reason: 'paused', status: 'skipped' });
      const [g] = await settled(globalRule, 1);
      assert.equal(g!.jobId, bobJob);
      assert.equal((JSON.parse(received(gPath)[0]!.body) as { job: { ownerId: string } }).job.ownerId, (await as(B)<{ id: string }>('GET', '/v1/me')).body.id);
      assert.deepEqual(await deliveries(`ruleId=${globalRule}`, B), [], "Bob does not see the admin's deliveries");
    } finally {
      assert.equal((await api('DELETE', `/v1/alerts/rules/${globalRule}`)).status, 204);
    }

    // Alice's rule on her job X; X is deleted and Bob creates a job with the same id: Alice hears nothing of it.
    const id = uniqueId('al-reborn');
    const make = async (who: string) => {
      const res = await as(who)('POST', '/v1/jobs', { id, type: 'http', data: { url: `${target.url}/${id}`, method: 'GET' }, retry: { maxAttempts: 1 } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    };
    await make(A);
    jobs.push(id);
    const aPath = uniqueId('hook-reborn-a');
    const aliceRule = await createRule({ name: 'alice on X', jobId: id, when: { event: 'skipped' }, channel: { type: 'webhook', url: `${receiver.url}/${aPath}` } }, A);
    assert.equal((await as(A)('DELETE', `/v1/jobs/${id}`)).status, 204);
    await make(B);
    const bPath = uniqueId('hook-reborn-b');
    const bobRule = await createRule({ name: 'bob on X', jobId: id, when: { event: 'skipped' }, channel: { type: 'webhook', url: `${receiver.url}/${bPath}` } }, B);
    const started = await events.notifyRunNotHappened({ jobId: id, scheduledAt: '2026-12-04T13:00:00.000Z', reason: 'overlap', status: 'skipped' });
    assert.equal(started.length, 1, "only Bob's rule");
    await settled(bobRule, 1);
    assert.deepEqual(await deliveries(`ruleId=${aliceRule}`, A), []);
    assert.equal(received(aPath).length, 0);
    // Nor may Alice see or manage Bob's rule on the id she once owned, or her old rule through it.
    assert.equal((await as(A)('GET', `/v1/alerts/rules/${bobRule}`)).status, 404);
    assert.equal((await as(A)<{ items: { id: string }[] }>('GET', `/v1/alerts/rules?jobId=${id}`)).body.items.length, 0);
  });

  it("another user's job, rule, deliveries and secrets are out of reach", async () => {
    const aliceJob = await createJob(A);
    plans.set(aliceJob, [500]);
    const path = uniqueId('hook-alice');
    const aliceRule = await createRule({ name: 'alice', jobId: aliceJob, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/${path}` } }, A);
    await runToEnd(aliceJob, A);
    await settled(aliceRule, 1);

    // Bob names Alice's job: the same 404 as a job that does not exist.
    const rule = (jobId: string, extra: Json = {}) => ({ name: 'bob', jobId, when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/bob`, ...extra } });
    const onAlice = await as(B)<NativeError>('POST', '/v1/alerts/rules', rule(aliceJob));
    const missing = uniqueId('al-none');
    const onNone = await as(B)<NativeError>('POST', '/v1/alerts/rules', rule(missing));
    assert.equal(onAlice.status, 404);
    assert.equal(onNone.status, 404);
    assert.equal(onAlice.body.error.code, onNone.body.error.code);
    assert.equal(onAlice.body.error.message.replace(aliceJob, 'ID'), onNone.body.error.message.replace(missing, 'ID'));

    // Bob cannot see, change or delete Alice's rule, nor its deliveries.
    for (const [method, body] of [['GET', undefined], ['PUT', rule(aliceJob)], ['DELETE', undefined]] as const) {
      const res = await as(B)<NativeError>(method, `/v1/alerts/rules/${aliceRule}`, body);
      assert.equal(res.status, 404, `${method}: ${JSON.stringify(res.body)}`);
    }
    const bobsList = (await as(B)<{ items: { id: string; jobId: string | null }[] }>('GET', '/v1/alerts/rules')).body.items;
    assert.ok(!bobsList.some((r) => r.id === aliceRule || r.jobId === aliceJob), "Alice's rule is not in Bob's list");
    assert.deepEqual(await deliveries(`jobId=${aliceJob}`, B), []);
    assert.equal((await deliveries(`ruleId=${aliceRule}`, A)).length, 1, 'Alice sees her own');
    assert.equal((await as(A)('GET', `/v1/alerts/rules/${aliceRule}`)).status, 200);

    // A global rule is an admin's.
    const global = await as(B)<NativeError>('POST', '/v1/alerts/rules', { name: 'all', when: { event: 'failed' }, channel: { type: 'webhook', url: `${receiver.url}/g` } });
    assert.equal(global.status, 403);

    // Bob's webhook may reference his own secrets only: Alice's is "not available", like one that does not exist.
    const secret = `AL_${uniqueId('s').replace(/-/g, '_').toUpperCase()}`;
    assert.equal((await as(A)('PUT', `/v1/secrets/${secret}`, { value: 'alice-token-value' })).status, 201);
    const bobJob = await createJob(B);
    const withAlice = await as(B)<NativeError>('POST', '/v1/alerts/rules', rule(bobJob, { headers: { Authorization: { $secret: secret } } }));
    const withNone = await as(B)<NativeError>('POST', '/v1/alerts/rules', rule(bobJob, { headers: { Authorization: { $secret: 'NO_SUCH_SECRET_X' } } }));
    assert.equal(withAlice.status, 400);
    assert.equal(withAlice.body.error.details[0]?.path, 'channel.headers.Authorization');
    assert.equal(withAlice.body.error.details[0]!.message.replace(secret, 'S'), withNone.body.error.details[0]!.message.replace('NO_SUCH_SECRET_X', 'S'));
    assert.equal(withNone.body.error.details[0]!.message, "secret 'NO_SUCH_SECRET_X' is not available to you");

    // Bob's own secret works, resolved at delivery and sent as the header.
    const bobSecret = `BOB_${uniqueId('s').replace(/-/g, '_').toUpperCase()}`;
    assert.equal((await as(B)('PUT', `/v1/secrets/${bobSecret}`, { value: 'bob-token-value' })).status, 201);
    const bobPath = uniqueId('hook-bob');
    plans.set(bobJob, [500]);
    const bobRule = await createRule({ ...rule(bobJob), channel: { type: 'webhook', url: `${receiver.url}/${bobPath}`, headers: { Authorization: { $secret: bobSecret } } } }, B);
    await runToEnd(bobJob, B);
    await settled(bobRule, 1);
    assert.equal(received(bobPath)[0]!.headers.authorization, 'bob-token-value');
    const stored = await db.kysely.selectFrom('alert_deliveries').select('context').where('rule_id', '=', bobRule).executeTakeFirstOrThrow();
    assert.ok(!stored.context.includes('bob-token-value'), 'no secret value in the delivery record');

    // A share with edit lets Bob manage rules on Alice's job; read does not (403: he may see the job).
    const bobId = (await as(B)<{ id: string }>('GET', '/v1/me')).body.id;
    assert.ok(bobId);
    {
      assert.equal((await as(A)('PUT', `/v1/jobs/${aliceJob}/shares/${bobId}`, { level: 'read' })).status, 200);
      assert.equal((await as(B)('POST', '/v1/alerts/rules', rule(aliceJob))).status, 403);
      assert.equal((await as(B)('GET', `/v1/alerts/rules/${aliceRule}`)).status, 404);
      assert.equal((await as(A)('PUT', `/v1/jobs/${aliceJob}/shares/${bobId}`, { level: 'edit' })).status, 200);
      assert.equal((await as(B)('GET', `/v1/alerts/rules/${aliceRule}`)).status, 200);
    }
  });
});
