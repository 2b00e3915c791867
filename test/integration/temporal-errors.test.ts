// Temporal's failures as the API reports them, through real HTTP against a real dev server: the one
// map in core/temporal/errors.ts turns NOT_FOUND into 404, ALREADY_EXISTS into 409, and a stopped
// Temporal (UNAVAILABLE) into 503 — on /v1 and on /readyz. The stopped-server case runs on a private
// stack, so killing its dev server disturbs no other test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startOwnStack, type OwnStack } from '../support/processes.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describe('Temporal errors through HTTP (shared stack)', () => {
  it('a job Temporal does not know → 404 not_found naming it', async () => {
    const id = uniqueId('no-such-job');
    const res = await api<ErrorBody>('GET', `/v1/jobs/${id}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    assert.equal(res.body.error.message, `job '${id}' not found`);
    assert.equal((await api<ErrorBody>('DELETE', `/v1/jobs/${id}`)).status, 404);
  });

  it('a run Temporal does not know (or a run id it refuses) → 404 not_found', async () => {
    for (const runId of [uniqueId('no-such-run'), 'x'.repeat(300)]) {
      const res = await api<ErrorBody>('GET', `/v1/runs/${runId}`);
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'not_found');
      assert.equal((await api<ErrorBody>('POST', `/v1/runs/${runId}/stop`)).status, 404);
    }
  });

  it('creating a job whose schedule exists → 409 conflict on the id', async () => {
    const id = uniqueId('dup');
    const body = { id, type: 'http', data: { url: 'http://127.0.0.1:9/x' } };
    assert.equal((await api('POST', '/v1/jobs', { body })).status, 201);
    try {
      const dup = await api<ErrorBody>('POST', '/v1/jobs', { body });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'conflict');
      assert.deepEqual(dup.body.error.details, [{ path: 'id', message: 'already exists' }]);
    } finally {
      assert.equal((await api('DELETE', `/v1/jobs/${id}`)).status, 204);
    }
  });

  it('a cursor that is no visibility page token → 400 naming query.cursor, at once (Temporal would answer UNKNOWN after ~20 s)', async () => {
    const id = uniqueId('cursor');
    assert.equal((await api('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: 'http://127.0.0.1:9/x' } } })).status, 201);
    try {
      const bogus = Buffer.from('not a token').toString('base64url');
      for (const path of [`/v1/jobs/${id}/runs?cursor=${bogus}`, `/v1/jobs?cursor=${bogus}`]) {
        const started = Date.now();
        const res = await api<ErrorBody>('GET', path);
        assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(res.body.error.details.map((d) => d.path), ['query.cursor']);
        assert.ok(Date.now() - started < 5000, `${path} answered in ${Date.now() - started} ms`);
      }
    } finally {
      assert.equal((await api('DELETE', `/v1/jobs/${id}`)).status, 204);
    }
  });
});

describe('Temporal stopped (private stack; its dev server is SIGKILLed)', { timeout: 180_000 }, () => {
  let s: OwnStack;
  before(async () => {
    s = await startOwnStack();
  });
  after(async () => {
    await s?.stop();
  });

  it('every call answers 503 unavailable (never a 500), /readyz says why; back to normal once Temporal is', async () => {
    const id = uniqueId('down');
    const call = (method: string, path: string, body?: unknown) => api<ErrorBody>(method, path, { baseUrl: s.apiUrl, auth: s.auth, body });
    assert.equal((await call('POST', '/v1/jobs', { id, type: 'http', data: { url: 'http://127.0.0.1:9/x' } })).status, 201);

    await s.killDevServer();
    // Each call first rides out the SDK's retries (about 20 s), so two calls: a read and a write.
    for (const [method, path] of [
      ['GET', `/v1/jobs/${id}`],
      ['POST', `/v1/jobs/${id}/run`],
    ] as const) {
      const res = await call(method, path);
      assert.equal(res.status, 503, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'unavailable');
      assert.equal(res.body.error.message, 'Temporal is unavailable; try again shortly');
    }
    const ready = await api<{ status: string; reasons: string[] }>('GET', '/readyz', { baseUrl: s.apiUrl, auth: null });
    assert.equal(ready.status, 503);
    assert.match(ready.body.reasons.join('; '), /Temporal is not ready for Kairos: Temporal is unavailable/);

    await s.startDevServer();
    await s.waitReady();
    assert.equal((await call('GET', `/v1/jobs/${id}`)).status, 200);
    assert.equal((await call('DELETE', `/v1/jobs/${id}`)).status, 204);
  });
});
