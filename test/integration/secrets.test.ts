// Secrets end to end: the /v1/secrets API never returns a value; a job that references a
// secret gets the value at run time (the target sees it), and the value never appears in schedule
// arguments, workflow history, API responses or the log files, even when the target echoes it back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import protoPkg from '@temporalio/proto';
import { sql } from 'kysely';
import { api, temporalClient, uniqueId } from '../support/env.ts';
import { loadConfig } from '../../core/config.ts';
import { openDatabase } from '../../core/db/open.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const { temporal } = protoPkg;
type ErrorBody = { error: { code: string; details: { path: string; message: string }[] } };
interface Run {
  runId: string;
  status: string;
  attempts: number;
  error: { type: string; message: string } | null;
  output: unknown;
}
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']);

const dataDir = () => {
  const d = process.env.KAIROS_DATA_DIR;
  if (!d) throw new Error('KAIROS_DATA_DIR is not set');
  return d;
};

/** Every stored secret row (PostgreSQL), or every byte of the SQLite store's files. */
async function storeContents(): Promise<string> {
  const cfg = loadConfig(process.env).database;
  if (!cfg.url) {
    const files = (await readdir(cfg.dataDir)).filter((f) => f.startsWith('kairos.db'));
    return (await Promise.all(files.map((f) => readFile(join(cfg.dataDir, f), 'latin1')))).join('\n');
  }
  const db = openDatabase(cfg);
  try {
    return (await sql<{ row: string }>`select row_to_json(s)::text as row from secrets s`.execute(db.kysely)).rows.map((r) => r.row).join('\n');
  } finally {
    await db.close();
  }
}

/** Every form the value could take in bytes: as is, base64, URL-encoded. */
function leaks(haystack: Buffer | string, secret: string): string[] {
  const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
  const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
  return forms.filter((f) => text.includes(Buffer.from(f).toString('latin1')));
}

describe('secrets', () => {
  let target: HttpTarget;
  let client: Client;
  const jobs: string[] = [];
  const names: string[] = [];
  before(async () => {
    client = await temporalClient();
    target = await startHttpTarget();
    // An echo server: answers with everything it received (what a careless target might do).
    target.respond = (req, res) => {
      const status = req.path.startsWith('/fail') ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization ?? '') }).end(JSON.stringify(req));
    };
  });
  after(async () => {
    for (const id of jobs) await api('DELETE', `/v1/jobs/${id}`);
    for (const n of names) await api('DELETE', `/v1/secrets/${n}`);
    await target.close();
    await client.connection.close();
  });

  const putSecret = async (value: string) => {
    const name = `TOKEN_${uniqueId('s').replace(/-/g, '_')}`;
    const res = await api<{ name: string; source: string }>('PUT', `/v1/secrets/${name}`, { body: { value } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    names.push(name);
    return name;
  };
  const run = async (jobId: string): Promise<Run> => {
    const { runId } = (await api<{ runId: string }>('POST', `/v1/jobs/${jobId}/run`)).body;
    return await waitFor(
      async () => {
        const r = await api<Run>('GET', `/v1/runs/${runId}`);
        return r.status === 200 && FINAL.has(r.body.status) ? r.body : undefined;
      },
      20_000,
      'the run to finish',
    );
  };

  it('manages secrets through an API that never returns a value', async () => {
    const value = `v-${uniqueId('value')}-${'x'.repeat(20)}`;
    const name = `API_${uniqueId('k').replace(/-/g, '_')}`;
    names.push(name);
    const created = await api('PUT', `/v1/secrets/${name}`, { body: { value } });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body as object).sort(), ['name', 'owner', 'sharedWith', 'source', 'updatedAt']);
    const replaced = await api('PUT', `/v1/secrets/${name}`, { body: { value: `${value}-2` } });
    assert.equal(replaced.status, 200);
    const list = await api<{ items: { name: string; source: string }[] }>('GET', '/v1/secrets');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((s) => s.name === name && s.source === 'file'));
    const one = await api<{ name: string }>('GET', `/v1/secrets/${name}`);
    assert.equal(one.body.name, name);
    for (const r of [created, replaced, list, one]) assert.deepEqual(leaks(JSON.stringify(r.body), value), []);
    // at rest: the state store holds ciphertext only; the generated key file is the owner's alone
    assert.deepEqual(leaks(await storeContents(), value), [], 'no form of the value in the state store');
    if (!process.env.KAIROS_SECRET_KEY) assert.equal((await stat(join(dataDir(), 'secret.key'))).mode & 0o777, 0o600, 'the key file is readable by its owner only');

    // bad input names the field
    const badName = await api<ErrorBody>('PUT', '/v1/secrets/bad-name!', { body: { value: 'x' } });
    assert.equal(badName.status, 400);
    assert.equal(badName.body.error.details[0]?.path, 'name');
    const empty = await api<ErrorBody>('PUT', `/v1/secrets/${name}`, { body: { value: '' } });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.details[0]?.path, 'value');
    const extra = await api<ErrorBody>('PUT', `/v1/secrets/${name}`, { body: { value: 'x', note: 1 } });
    assert.equal(extra.status, 400);
    const noBody = await api<ErrorBody>('PUT', `/v1/secrets/${name}`);
    assert.equal(noBody.status, 400);
    assert.equal((await api('GET', '/v1/secrets/NO_SUCH_SECRET')).status, 404);

    // auth: 401 without credentials; a non-admin has a name space of their own (security-secrets.test.ts)
    assert.equal((await api('GET', '/v1/secrets', { auth: null })).status, 401);
    const username = uniqueId('sec-user');
    assert.equal((await api('POST', '/v1/users', { body: { username, password: 'user-password-1', role: 'user' } })).status, 201);
    const user = `Basic ${Buffer.from(`${username}:user-password-1`).toString('base64')}`;
    assert.equal((await api('DELETE', `/v1/secrets/${name}`, { auth: user })).status, 404);
    assert.equal((await api('PUT', `/v1/secrets/${name}/shares`, { auth: user, body: { all: true } })).status, 403);

    assert.equal((await api('DELETE', `/v1/secrets/${name}`)).status, 204);
    assert.equal((await api('DELETE', `/v1/secrets/${name}`)).status, 404);
    assert.ok(!(await api<{ items: { name: string }[] }>('GET', '/v1/secrets')).body.items.some((s) => s.name === name));
  });

  it('resolves a secret at run time and never leaks it: schedule, history, API, logs', async () => {
    const secret = `s3cr3t-${uniqueId('tok')}-value`;
    const name = await putSecret(secret);
    const ref = { $secret: name };
    const okJob = uniqueId('secret-ok');
    const failJob = uniqueId('secret-fail');
    for (const [id, path, strategy] of [
      [okJob, '/ok', 'FULL'],
      [failJob, '/fail', 'ERROR'],
    ] as const) {
      const res = await api('POST', '/v1/jobs', {
        body: {
          id,
          type: 'http',
          triggers: [{ type: 'cron', dialect: 'unix', expression: '0 3 * * *' }],
          retry: { maxAttempts: 1 },
          history: { strategy },
          data: { url: `${target.url}${path}`, method: 'POST', headers: { authorization: ref }, query: { token: ref }, body: { password: ref, note: 'hi' } },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(leaks(JSON.stringify(res.body), secret), []);
      jobs.push(id);
    }

    const ok = await run(okJob);
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    const failed = await run(failJob);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.type, 'HttpStatus500');

    // the target got the real value in the header, the query and the body
    const got = target.requests.filter((r) => r.path.startsWith('/ok'));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.headers.authorization, secret);
    assert.ok(got[0]?.path.includes(`token=${encodeURIComponent(secret)}`));
    assert.deepEqual(JSON.parse(got[0]?.body ?? '{}'), { password: secret, note: 'hi' });

    // the echoed value is masked in what the run kept
    const okText = JSON.stringify(ok.output);
    assert.ok(okText.includes('***'), 'the echo is masked');
    assert.deepEqual(leaks(okText, secret), []);
    assert.deepEqual(leaks(JSON.stringify(failed), secret), []);
    assert.ok(JSON.stringify(failed.output).includes('***'), 'the failed payload (ERROR strategy) is kept, masked');

    // API responses: job, runs, run list, stats
    for (const path of [`/v1/jobs/${okJob}`, `/v1/runs/${ok.runId}`, `/v1/runs/${failed.runId}`, `/v1/jobs/${okJob}/runs`, `/v1/secrets`, `/v1/stats`]) {
      const r = await api('GET', path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(leaks(JSON.stringify(r.body), secret), [], path);
    }

    // schedule arguments (the whole describe answer) and the whole workflow history, as bytes
    for (const id of [okJob, failJob]) {
      const sched = await client.workflowService.describeSchedule({ namespace: client.options.namespace, scheduleId: id });
      const bytes = Buffer.from(temporal.api.workflowservice.v1.DescribeScheduleResponse.encode(sched).finish());
      assert.ok(bytes.includes(Buffer.from(name)), 'the schedule holds the reference');
      assert.deepEqual(leaks(bytes, secret), [], `schedule ${id}`);
    }
    for (const runId of [ok.runId, failed.runId]) {
      const history = await client.workflow.getHandle(runId).fetchHistory();
      assert.ok((history.events?.length ?? 0) > 5);
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
      assert.deepEqual(leaks(bytes, secret), [], `history of ${runId}`);
      assert.ok(bytes.includes(Buffer.from('***')), `history of ${runId} holds the masked echo`);
    }

    // log files under the data dir (worker, API, Temporal server)
    const logs = (await readdir(dataDir())).filter((f) => f.endsWith('.log'));
    assert.ok(logs.includes('worker.log') && logs.includes('api.log'), logs.join());
    for (const f of logs) assert.deepEqual(leaks(await readFile(join(dataDir(), f)), secret), [], f);
  });

  it('refuses a missing secret at save; a run whose secret went since fails naming it, without retries; a malformed reference is a 400', async () => {
    const missing = await api<ErrorBody>('POST', '/v1/jobs', {
      body: { type: 'http', triggers: [], data: { url: `${target.url}/ok`, headers: { 'x-key': { $secret: 'NOT_DEFINED_ANYWHERE' } } } },
    });
    assert.equal(missing.status, 400, JSON.stringify(missing.body));
    assert.deepEqual(missing.body.error.details, [{ path: 'data.headers.x-key', message: "secret 'NOT_DEFINED_ANYWHERE' is not available to the job's owner" }]);

    const name = await putSecret('soon-gone');
    const id = uniqueId('secret-missing');
    const before = target.requests.length;
    const res = await api('POST', '/v1/jobs', {
      body: { id, type: 'http', triggers: [], retry: { maxAttempts: 3 }, data: { url: `${target.url}/ok`, headers: { 'x-key': { $secret: name } } } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    jobs.push(id);
    assert.equal((await api('DELETE', `/v1/secrets/${name}`)).status, 204);
    const r = await run(id);
    assert.equal(r.status, 'failed');
    assert.equal(r.attempts, 1);
    assert.equal(r.error?.type, 'SecretNotAvailable');
    assert.match(r.error?.message ?? '', new RegExp(name));
    assert.match(r.error?.message ?? '', /data\.headers\.x-key/);
    assert.equal(target.requests.length, before, 'nothing was sent');

    const bad = await api<ErrorBody>('POST', '/v1/jobs', { body: { type: 'http', data: { url: { $secret: 'no spaces allowed' } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0]?.path, 'data.url');
    const notString = await api<ErrorBody>('POST', '/v1/jobs', { body: { type: 'http', data: { url: `${target.url}/ok`, timeoutMs: { $secret: 'X' } } } });
    assert.equal(notString.status, 400, 'a reference stands only where a string may');
    assert.equal(notString.body.error.details[0]?.path, 'data.timeoutMs');
  });
});
