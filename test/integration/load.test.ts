// 32 concurrent clients create, update, run and delete jobs for a bounded time against the shared
// stack: zero 5xx, no lost acknowledged write (each job's final state is its last acknowledged
// write), and every GET right after a write reflects it (read-your-writes). A few shared jobs are
// written by everyone with If-Match: losers get 409, and the final state is the winning write.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, uniqueId } from '../support/env.ts';
import { startHttpTarget, type HttpTarget } from '../support/http-target.ts';

const CLIENTS = 32;
const SECONDS = Number(process.env.KAIROS_LOAD_SECONDS ?? 12);
const SHARED = 4;

type Job = { id: string; version: number; description: string; enabled: boolean; state: { enabled: boolean } };
/** What the last acknowledged write of a job says (null: deleted / never created). */
type Ack = { version: number; description: string; enabled: boolean } | null;

/** A small deterministic PRNG so a failure can be replayed with the same seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe(`load: ${CLIENTS} concurrent clients for ${SECONDS} s`, { timeout: 180_000 }, () => {
  let target: HttpTarget;
  before(async () => {
    target = await startHttpTarget();
  });
  after(async () => {
    await target.close();
  });

  it('zero 5xx, final state = last acknowledged write, read-your-writes on every GET', async () => {
    const seed = Number(process.env.KAIROS_LOAD_SEED ?? Date.now() % 1e9);
    const tag = uniqueId('load');
    const body = (id: string, description: string, enabled = true) => ({
      id,
      type: 'http',
      tags: [tag],
      description,
      enabled,
      data: { url: `${target.url}/load/${id}` },
    });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const fail = (msg: string) => {
      if (failures.length < 20) failures.push(msg);
    };
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const req = async <T = Job>(method: string, path: string, opts: Parameters<typeof api>[2] = {}) => {
      const r = await api<T>(method, path, opts);
      count(r.status);
      if (r.status >= 500) fail(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r;
    };
    const matches = (job: Job, ack: NonNullable<Ack>) => job.version === ack.version && job.description === ack.description && job.state.enabled === ack.enabled;

    // Shared jobs: everyone patches them with If-Match.
    const shared = Array.from({ length: SHARED }, () => uniqueId('load-shared'));
    const sharedAcks = new Map<string, NonNullable<Ack>[]>();
    for (const id of shared) {
      const r = await req('POST', '/v1/jobs', { body: body(id, 'shared-0') });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      sharedAcks.set(id, [{ version: 1, description: 'shared-0', enabled: true }]);
    }

    const owned: { id: string; ack: Ack }[][] = [];
    const deadline = Date.now() + SECONDS * 1000;
    let ops = 0;
    const client = async (c: number) => {
      const rand = rng(seed + c * 7919);
      const mine = [0, 1].map((i) => ({ id: `${tag}-c${c}-${i}`, ack: null as Ack }));
      owned.push(mine);
      let n = 0;
      const check = async (j: { id: string; ack: Ack }, what: string) => {
        const got = await req('GET', `/v1/jobs/${j.id}`);
        if (j.ack === null) {
          if (got.status !== 404) fail(`read-your-writes: ${j.id} after ${what}: expected 404, got ${got.status}`);
        } else if (got.status !== 200 || !matches(got.body, j.ack)) {
          fail(`read-your-writes: ${j.id} after ${what}: expected ${JSON.stringify(j.ack)}, got ${got.status} ${JSON.stringify(got.body).slice(0, 200)}`);
        }
      };
      while (Date.now() < deadline) {
        ops++;
        const j = mine[Math.floor(rand() * mine.length)]!;
        const d = `c${c}-${++n}`;
        const roll = rand();
        if (roll < 0.1) {
          // A shared job: read, then write with If-Match; 409 when someone else won.
          const id = shared[Math.floor(rand() * shared.length)]!;
          const cur = await req('GET', `/v1/jobs/${id}`);
          if (cur.status !== 200) continue;
          const w = await req('PATCH', `/v1/jobs/${id}`, { body: { description: d }, headers: { 'if-match': `"${cur.body.version}"` } });
          if (w.status === 200) {
            if (w.body.version !== cur.body.version + 1 || w.body.description !== d) fail(`shared write ack is not the write: ${JSON.stringify(w.body).slice(0, 200)}`);
            sharedAcks.get(id)!.push({ version: w.body.version, description: d, enabled: true });
          } else if (w.status !== 409) fail(`PATCH shared ${id} → ${w.status}`);
          continue;
        }
        if (j.ack === null) {
          const r = await req('POST', '/v1/jobs', { body: body(j.id, d) });
          if (r.status !== 201) {
            fail(`POST ${j.id} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
            continue;
          }
          j.ack = { version: 1, description: d, enabled: true };
          await check(j, 'create');
          continue;
        }
        const prev: NonNullable<Ack> = j.ack;
        if (roll < 0.3) {
          const r = await req('PUT', `/v1/jobs/${j.id}`, { body: body(j.id, d, prev.enabled) });
          if (r.status !== 200) fail(`PUT ${j.id} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          else j.ack = { version: prev.version + 1, description: d, enabled: prev.enabled };
          await check(j, 'replace');
        } else if (roll < 0.5) {
          const r = await req('PATCH', `/v1/jobs/${j.id}`, { body: { description: d }, headers: { 'if-match': `"${prev.version}"` } });
          if (r.status !== 200) fail(`PATCH ${j.id} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          else j.ack = { version: prev.version + 1, description: d, enabled: prev.enabled };
          await check(j, 'patch');
        } else if (roll < 0.6) {
          const action = prev.enabled ? 'pause' : 'resume';
          const r = await req('POST', `/v1/jobs/${j.id}/${action}`);
          if (r.status !== 200) fail(`${action} ${j.id} → ${r.status}`);
          else j.ack = { version: prev.version + 1, description: prev.description, enabled: !prev.enabled };
          await check(j, action);
        } else if (roll < 0.75) {
          const r = await req('POST', `/v1/jobs/${j.id}/run`);
          if (r.status !== 202) fail(`run ${j.id} → ${r.status}`);
        } else if (roll < 0.85) {
          const r = await req('DELETE', `/v1/jobs/${j.id}`);
          if (r.status !== 204) fail(`DELETE ${j.id} → ${r.status}`);
          else j.ack = null;
          await check(j, 'delete');
        } else {
          await check(j, 'nothing');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    // Final state: every job equals its last acknowledged write.
    for (const j of owned.flat()) {
      const got = await api<Job>('GET', `/v1/jobs/${j.id}`);
      if (j.ack === null) assert.equal(got.status, 404, `${j.id} was deleted last`);
      else {
        assert.equal(got.status, 200, `${j.id} exists`);
        assert.ok(matches(got.body, j.ack), `${j.id}: final ${JSON.stringify(got.body).slice(0, 200)} ≠ last ack ${JSON.stringify(j.ack)}`);
        await api('DELETE', `/v1/jobs/${j.id}`);
      }
    }
    for (const id of shared) {
      const acks = sharedAcks.get(id)!;
      const versions = acks.map((a) => a.version);
      assert.equal(new Set(versions).size, versions.length, `shared ${id}: no two acknowledged writes got the same version`);
      const last = acks.reduce((a, b) => (b.version > a.version ? b : a));
      const got = await api<Job>('GET', `/v1/jobs/${id}`);
      assert.ok(matches(got.body, last), `shared ${id}: final ${JSON.stringify(got.body).slice(0, 200)} ≠ last ack ${JSON.stringify(last)}`);
      await api('DELETE', `/v1/jobs/${id}`);
    }
    const summary = [...statuses.entries()].sort().map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`load: ${ops} operations by ${CLIENTS} clients in ${SECONDS} s (seed ${seed}); statuses ${summary}`);
    assert.deepEqual(failures, [], `seed ${seed}`);
    assert.ok(![...statuses.keys()].some((s) => s >= 500), `no 5xx (${summary})`);
  });
});
