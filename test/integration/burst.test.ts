// A burst of one-shot jobs all due in the same second: every one of them fires (none is lost to
// the catch-up window while the scheduler works through the burst).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait-for.ts';

const JOBS = 40;

describe('burst of one-shot jobs', () => {
  let target: HttpTarget;
  before(async () => {
    target = await startHttpTarget();
  });
  after(async () => {
    await target.close();
  });

  it(`fires all ${JOBS} jobs due in the same second`, { timeout: 180_000 }, async () => {
    const prefix = uniqueId('burst');
    const due = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000).toISOString();
    const ids = Array.from({ length: JOBS }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < ids.length; i += 8) {
      const batch = ids.slice(i, i + 8);
      const res = await Promise.all(
        batch.map((id) => api('POST', '/v1/jobs', { body: { id, type: 'http', data: { url: `${target.url}/${id}` }, triggers: [{ type: 'once', at: due }] } })),
      );
      for (const r of res) assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    assert.ok(Date.now() < Date.parse(due), 'all created before they are due');
    const fired = () => new Set(target.requests.map((r) => r.path.slice(1)).filter((p) => p.startsWith(prefix)));
    await waitFor(() => fired().size === JOBS, 120_000, `all ${JOBS} jobs to fire (fired so far: ${fired().size})`).catch((err: Error) => {
      throw new Error(`${err.message}; fired ${fired().size} of ${JOBS}`);
    });
    const lateness = target.requests.filter((r) => r.path.slice(1).startsWith(prefix)).map((r) => r.at - Date.parse(due));
    console.log(`[measure] burst of ${JOBS}: last fired ${Math.max(...lateness)} ms after due`);
    await Promise.all(ids.map((id) => api('DELETE', `/v1/jobs/${id}`)));
  });
});
