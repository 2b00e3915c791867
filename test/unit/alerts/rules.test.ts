// AlertRules' save-time checks and the store under them, on both state-store backends: e-mail without
// an SMTP server, a refused URL, another owner's secret, unknown placeholders — each a 400 naming the
// field that saves nothing — and deliveries recorded once per rule, run and event. The job access
// decision is the access policy's (tested in test/unit/access and on the real stack); here a job
// opener that knows one job stands in for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withEachBackend } from '../../support/db.ts';
import { AlertRules, type JobOpener } from '../../../core/alerts/rules.ts';
import { AlertStore } from '../../../core/alerts/store.ts';
import { AlertRuleInputSchema } from '../../../core/alerts/model.ts';
import { KairosError, notFound } from '../../../core/errors.ts';
import { storedJob } from '../../support/jobs.ts';
import type { JobView } from '../../../core/jobs/service.ts';
import { unavailableMessage, type SecretLookup } from '../../../core/secrets/access.ts';

const alice = { id: 'usr_alice', role: 'user' as const };
const admin = { id: 'usr_admin', role: 'admin' as const };
const job = storedJob({ id: 'nightly', ownerId: alice.id });
const opener: JobOpener = {
  open: async (id, actor) => {
    if (id !== job.id || (actor.id !== job.ownerId && actor.role !== 'admin')) throw notFound('job', id);
    return { view: { job, state: {} } as unknown as JobView };
  },
};
/** Alice has the secret HOOK_TOKEN; nobody else has anything. */
const secrets = {
  lookup: async (s: { ownerId: string | undefined; ownerNoun?: string }): Promise<SecretLookup> => (name) =>
    s.ownerId === alice.id && name === 'HOOK_TOKEN' ? { ok: true, entry: { name, owner: alice.id, source: 'file', value: 'v', updatedAt: null, sharedWith: { all: false, users: [] } } } : { ok: false, message: unavailableMessage(name, s.ownerNoun) },
};
const checkUrl = (url: string) => (new URL(url).hostname === '169.254.169.254' ? 'egress denied: 169.254.169.254:80 is cloud metadata' : undefined);

const input = (over: Record<string, unknown>) => AlertRuleInputSchema.parse({ name: 'r', jobId: job.id, when: { event: 'failed' }, channel: { type: 'webhook', url: 'https://hooks.example.com/x' }, ...over });

async function refused(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KairosError, String(err));
    return [err.kind, ...err.details.map((d) => d.path)];
  }
  assert.fail('expected a refusal');
}

withEachBackend('alert rules', (fresh) => {
  test('save-time checks name the field and save nothing', async () => {
    const store = new AlertStore(await fresh());
    const rules = new AlertRules({ store, jobs: opener, secrets, checkUrl, emailConfigured: false });
    assert.deepEqual(await refused(rules.create(input({ channel: { type: 'email', to: ['ops@example.com'] } }), alice)), ['validation', 'channel']);
    assert.deepEqual(await refused(rules.create(input({ channel: { type: 'webhook', url: 'http://169.254.169.254/latest' } }), alice)), ['validation', 'channel.url']);
    assert.deepEqual(await refused(rules.create(input({ channel: { type: 'webhook', url: 'https://h.example/', headers: { Authorization: { $secret: 'HOOK_TOKEN' } } } }), admin)), ['validation', 'channel.headers.Authorization'], "Alice's secret is not the admin's");
    assert.deepEqual(await refused(rules.create(input({ channel: { type: 'webhook', url: 'https://h.example/', body: { a: ['{{job.nope}}'] } } }), alice)), ['validation', 'channel.body.a.0']);
    assert.deepEqual(await refused(rules.create(input({ jobId: undefined }), alice)), ['forbidden'], 'a global rule is an admin\'s');
    assert.deepEqual(await refused(rules.create(input({ jobId: 'someone-elses' }), alice)), ['not_found']);
    assert.deepEqual(await store.rules(), [], 'nothing saved');
    const ok = await rules.create(input({ channel: { type: 'webhook', url: 'https://h.example/', headers: { Authorization: { $secret: 'HOOK_TOKEN' } } } }), alice);
    assert.equal(ok.ownerId, alice.id);
    assert.deepEqual((await rules.list(alice)).map((r) => r.id), [ok.id]);
    assert.deepEqual(await refused(rules.get(ok.id, { id: 'usr_bob', role: 'user' })), ['not_found']);
  });

  test('a delivery is recorded once per rule, run and event; a given-up one stays failed', async () => {
    const store = new AlertStore(await fresh());
    const rule = await store.createRule({ ownerId: alice.id, jobId: job.id, incarnation: 'inc-1', name: 'r', enabled: true, when: { event: 'failed' }, channel: { type: 'webhook', url: 'https://h.example/', headers: {}, preset: 'json' } });
    const d = { ruleId: rule.id, ownerId: alice.id, jobId: job.id, runId: 'nightly-1', event: 'failed' as const, channel: 'webhook' as const, context: {} };
    const first = await store.addDelivery(d);
    const again = await store.addDelivery(d);
    assert.equal(again, first);
    assert.equal((await store.deliveries({ limit: 10 })).length, 1);
    await store.attemptStarted(first, 5);
    await store.failed(first, 'answered 500');
    await store.sent(first);
    await store.attemptStarted(first, 6);
    const row = await store.delivery(first);
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 5);
    // The streak: a run counted once however often it is reported.
    assert.deepEqual(await store.recordOutcome(job.id, 'r1', 'failed'), { failures: 1, previous: 0 });
    assert.deepEqual(await store.recordOutcome(job.id, 'r1', 'failed'), { failures: 1, previous: 0 });
    assert.deepEqual(await store.recordOutcome(job.id, 'r2', 'succeeded'), { failures: 0, previous: 1 });
  });
});
