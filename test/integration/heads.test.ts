// Job heads (core/jobs/heads.ts) end to end through HTTP: GET and run-now of a job read its head in
// the state store, not the schedule's scheduler (shown by changing a schedule behind Kairos's back:
// a read that described it would see the change); acknowledged writes are read at once; a job whose
// head is missing (created before heads existed) or left pending by a stopped write still reads and
// runs, and its head is repaired; a job the caller may not see answers as a missing one.
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../core/config.ts';
import { openDatabase, type Db } from '../../core/db/open.ts';
import { api, namespace, temporalClient, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

type JobBody = {
  id: string;
  name: string;
  description: string;
  version: number;
  state: { enabled: boolean; nextRunAt: string | null; lastRunAt: string | null; running: string[]; remainingActions: number | null };
};

describe('job heads: reads that do not wait on the scheduler', () => {
  let db: Db;
  let client: Client;
  let target: HttpTarget;
  const created: string[] = [];

  before(async () => {
    db = openDatabase(loadConfig(process.env).database);
    client = await temporalClient();
    target = await startHttpTarget();
  });
  after(async () => {
    for (const id of created) await api('DELETE', `/v1/jobs/${id}`);
    await target.close();
    await client.connection.close();
    await db.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await api<JobBody>('POST', '/v1/jobs', { body: { type: 'http', data: { url: `${target.url}/heads` }, ...body } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    created.push(res.body.id);
    return res.body;
  };
  const head = (id: string) => db.kysely.selectFrom('job_heads').selectAll().where('job_id', '=', id).executeTakeFirst();

  /** Rewrites the job inside its schedule with Temporal's own RPCs, as if Kairos had never seen it. */
  async function changeBehindKairos(id: string, change: { name: string; description: string }): Promise<void> {
    const res = await client.workflowService.describeSchedule({ namespace: namespace(), scheduleId: id });
    const schedule = res.schedule;
    const payload = schedule?.action?.startWorkflow?.input?.payloads?.[0];
    assert.ok(schedule && payload?.data, 'the schedule carries the job');
    const input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { job: Record<string, unknown> };
    input.job = { ...input.job, ...change };
    payload.data = Buffer.from(JSON.stringify(input), 'utf8');
    await client.workflowService.updateSchedule({ namespace: namespace(), scheduleId: id, schedule, conflictToken: res.conflictToken, identity: 'heads-test', requestId: randomUUID() });
    const check = await client.workflowService.describeSchedule({ namespace: namespace(), scheduleId: id });
    const now = JSON.parse(Buffer.from(check.schedule?.action?.startWorkflow?.input?.payloads?.[0]?.data ?? []).toString('utf8')) as { job: { name: string } };
    assert.equal(now.job.name, change.name, 'the schedule holds the change');
  }

  it('GET and run-now answer from the head, with no DescribeSchedule; an untrusted head falls back to the schedule and is repaired', async () => {
    const job = await create({ id: uniqueId('heads-fast'), name: 'as written', description: 'as written', triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 * * *' }] });
    const row = await head(job.id);
    assert.ok(row?.definition, 'the create stored the head');
    assert.equal(row.pending, '{}');

    await changeBehindKairos(job.id, { name: 'behind', description: 'behind' });
    // A read that described the schedule would show 'behind'.
    const got = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.description, 'as written', 'GET read the head, not the schedule');
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${job.id}/run`);
    assert.equal(run.status, 202, JSON.stringify(run.body));
    const started = await client.workflow.getHandle(run.body.runId).describe();
    assert.equal(started.memo?.jobName, 'as written', 'run-now started the head definition');

    // A write in progress (or a crash mid-write): reads describe the schedule, and leave a young entry alone.
    await db.kysely.updateTable('job_heads').set({ pending: JSON.stringify({ inflight: new Date().toISOString() }) }).where('job_id', '=', job.id).execute();
    assert.equal((await api<JobBody>('GET', `/v1/jobs/${job.id}`)).body.description, 'behind', 'a pending head is not trusted');
    assert.equal((await head(job.id))?.pending, JSON.stringify({ inflight: JSON.parse((await head(job.id))?.pending ?? '{}').inflight }));
    // An entry older than any write takes: the write's process stopped. The next read repairs the head.
    await db.kysely.updateTable('job_heads').set({ pending: JSON.stringify({ crashed: '2000-01-01T00:00:00.000Z' }) }).where('job_id', '=', job.id).execute();
    assert.equal((await api<JobBody>('GET', `/v1/jobs/${job.id}`)).body.description, 'behind');
    const repaired = await head(job.id);
    assert.equal(repaired?.pending, '{}');
    assert.equal((JSON.parse(repaired?.definition ?? '{}') as { description?: string }).description, 'behind', 'repaired from the schedule');
  });

  it('acknowledged writes are read at once, and the state is told without the scheduler as the scheduler would tell it', async () => {
    const job = await create({ id: uniqueId('heads-ack'), triggers: [{ type: 'interval', every: '1h' }] });
    for (let i = 2; i <= 5; i++) {
      const patched = await api<JobBody>('PATCH', `/v1/jobs/${job.id}`, { body: { description: `edit ${i}` } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const got = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
      assert.equal(got.body.version, i);
      assert.equal(got.body.description, `edit ${i}`);
    }
    const described = await client.schedule.getHandle(job.id).describe();
    const next = described.info.nextActionTimes.find((d) => d.getTime() > Date.now());
    const got = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
    assert.equal(got.body.state.nextRunAt, next?.toISOString() ?? null, 'the evaluator agrees with the scheduler');
    assert.equal(got.body.state.enabled, true);
    assert.equal(got.body.state.remainingActions, null);
    assert.deepEqual(got.body.state.running, []);

    assert.equal((await api('POST', `/v1/jobs/${job.id}/pause`)).status, 200);
    const paused = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
    assert.equal(paused.body.state.enabled, false);
    assert.equal(paused.body.state.nextRunAt, null);
    assert.equal((await api('POST', `/v1/jobs/${job.id}/resume`)).status, 200);
    assert.equal((await api<JobBody>('GET', `/v1/jobs/${job.id}`)).body.state.enabled, true);

    assert.equal((await api('DELETE', `/v1/jobs/${job.id}`)).status, 204);
    assert.equal((await api('GET', `/v1/jobs/${job.id}`)).status, 404, 'a delete is read at once');
    assert.equal((await api('POST', `/v1/jobs/${job.id}/run`)).status, 404);
    const tomb = await head(job.id);
    assert.equal(tomb?.definition ?? null, null, 'a deleted job leaves no trusted head');
  });

  it('a job created before heads existed still reads and runs, and gets its head', async () => {
    const job = await create({ id: uniqueId('heads-legacy'), name: 'legacy', data: { url: `${target.url}/legacy` } });
    await db.kysely.deleteFrom('job_heads').where('job_id', '=', job.id).execute();
    const got = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.name, 'legacy');
    assert.ok((await head(job.id))?.definition, 'the read backfilled the head');
    await db.kysely.deleteFrom('job_heads').where('job_id', '=', job.id).execute();
    const run = await api<{ runId: string }>('POST', `/v1/jobs/${job.id}/run`);
    assert.equal(run.status, 202, JSON.stringify(run.body));
    await waitFor(() => target.requests.some((r) => r.path === '/legacy'), 30_000, 'the legacy job to run');
    assert.ok((await head(job.id))?.definition, 'run-now backfilled the head');
  });

  it('a job the caller may not see answers exactly as a missing one, from the head as from the schedule', async () => {
    const job = await create({ id: uniqueId('heads-hidden') });
    const username = uniqueId('heads-user');
    const user = await api<{ id: string }>('POST', '/v1/users', { body: { username, password: 'heads-user-password', role: 'user' } });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const auth = `Basic ${Buffer.from(`${username}:heads-user-password`).toString('base64')}`;
    const missing = uniqueId('heads-missing');
    for (const fromHead of [true, false]) {
      if (!fromHead) await db.kysely.deleteFrom('job_heads').where('job_id', '=', job.id).execute();
      const hidden = await api<{ error: { message: string } }>('GET', `/v1/jobs/${job.id}`, { auth });
      const none = await api<{ error: { message: string } }>('GET', `/v1/jobs/${missing}`, { auth });
      assert.equal(hidden.status, 404);
      assert.equal(none.status, 404);
      assert.equal(hidden.body.error.message.replace(job.id, 'X'), none.body.error.message.replace(missing, 'X'));
      assert.equal((await api('POST', `/v1/jobs/${job.id}/run`, { auth })).status, 404);
    }
  });

  it('a job whose state only the scheduler knows (a run cap) is described', async () => {
    const job = await create({ id: uniqueId('heads-capped'), maxRuns: 3, triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 * * *' }] });
    const got = await api<JobBody>('GET', `/v1/jobs/${job.id}`);
    assert.equal(got.body.state.remainingActions, 3);
    assert.ok(got.body.state.nextRunAt);
  });
});
