// Kairos on a Temporal that has not been set up for it (core/temporal/setup.ts), against the real
// server: a new namespace is created and Kairos's search attributes registered, idempotently and by
// several processes at once; `check` mode and an attribute of the wrong type stop with a message that
// names what is missing and the command that adds it; an API process started on such a namespace
// exits with that message instead of serving errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import Long from 'long';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../core/search-attributes.ts';
import { enums } from '../../core/temporal/proto.ts';
import { ensureTemporalSetup, TemporalSetupError } from '../../core/temporal/setup.ts';
import { privateStackEnv, spawnNode } from '../../scripts/stack.ts';
import { temporalAddress, temporalClient, uniqueId } from '../support/env.ts';

const KAIROS_NAMES = SEARCH_ATTRIBUTE_DEFINITIONS.map(([n]) => n);

describe('Temporal setup: namespace and search attributes', { timeout: 240_000 }, () => {
  let client: Client;
  before(async () => {
    client = await temporalClient();
  });
  after(async () => {
    await client?.connection.close();
  });

  const registerBare = async (namespace: string) => {
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  };
  const attributesOf = async (namespace: string) => (await client.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};

  it('creates a missing namespace and registers every attribute; a second run and racing runs change nothing', async () => {
    const namespace = uniqueId('kairos-setup');
    const first = await ensureTemporalSetup(client.connection, { namespace, mode: 'auto' });
    assert.equal(first.namespaceCreated, true);
    assert.deepEqual([...first.attributesAdded].sort(), [...KAIROS_NAMES].sort());
    const have = await attributesOf(namespace);
    for (const name of KAIROS_NAMES) assert.ok(have[name] !== undefined, `${name} is registered`);

    const again = await ensureTemporalSetup(client.connection, { namespace, mode: 'auto' });
    assert.deepEqual(again, { namespaceCreated: false, attributesAdded: [] });
    // Check mode passes on a namespace that has everything.
    assert.deepEqual(await ensureTemporalSetup(client.connection, { namespace, mode: 'check' }), { namespaceCreated: false, attributesAdded: [] });

    // Two API processes and a worker starting at once on a fresh namespace.
    const racing = uniqueId('kairos-race');
    const results = await Promise.all([1, 2, 3].map(() => ensureTemporalSetup(client.connection, { namespace: racing, mode: 'auto' })));
    assert.ok(results.filter((r) => r.namespaceCreated).length <= 1, 'at most one created it');
    const raced = await attributesOf(racing);
    for (const name of KAIROS_NAMES) assert.ok(raced[name] !== undefined, `${name} is registered after the race`);
  });

  it('adds only the attributes a namespace lacks', async () => {
    const namespace = uniqueId('kairos-partial');
    await registerBare(namespace);
    await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { KairosJobId: enums.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } });
    const report = await ensureTemporalSetup(client.connection, { namespace, mode: 'auto' });
    assert.equal(report.namespaceCreated, false);
    assert.ok(!report.attributesAdded.includes('KairosJobId'));
    assert.equal(report.attributesAdded.length, KAIROS_NAMES.length - 1);
  });

  it('check mode names what is missing and the command that adds it, and creates nothing', async () => {
    const missingNs = uniqueId('kairos-absent');
    const err = await ensureTemporalSetup(client.connection, { namespace: missingNs, mode: 'check' }).then(
      () => assert.fail('check mode must refuse a missing namespace'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TemporalSetupError, String(err));
    assert.deepEqual(err.missing, [`namespace '${missingNs}'`]);
    assert.match(err.message, new RegExp(`temporal operator namespace create --namespace ${missingNs}`));
    await assert.rejects(client.workflowService.describeNamespace({ namespace: missingNs }), 'nothing was created');

    const bare = uniqueId('kairos-bare');
    await registerBare(bare);
    const err2 = await ensureTemporalSetup(client.connection, { namespace: bare, mode: 'check' }).then(
      () => assert.fail('check mode must refuse missing search attributes'),
      (e: unknown) => e,
    );
    assert.ok(err2 instanceof TemporalSetupError, String(err2));
    assert.equal(err2.missing.length, KAIROS_NAMES.length);
    assert.match(err2.message, /temporal operator search-attribute create --namespace \S+ --name KairosJobId --type Keyword/);
    assert.deepEqual(Object.keys(await attributesOf(bare)).filter((n) => n.startsWith('Kairos')), [], 'nothing was registered');
  });

  it('refuses a namespace where one of its names has another type', async () => {
    const namespace = uniqueId('kairos-clash');
    await registerBare(namespace);
    await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { KairosOwner: enums.IndexedValueType.INDEXED_VALUE_TYPE_INT } });
    await assert.rejects(ensureTemporalSetup(client.connection, { namespace, mode: 'auto' }), (e: unknown) => {
      assert.ok(e instanceof TemporalSetupError);
      assert.deepEqual(e.missing, ['KairosOwner as Keyword']);
      return true;
    });
  });

  it('an API process on an unprepared namespace in check mode exits 78 with the message', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-setup-'));
    try {
      const namespace = uniqueId('kairos-api-absent');
      const env = await privateStackEnv(dataDir, { user: 'setup-admin', password: 'setup-admin-password' }, {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: namespace,
        KAIROS_TEMPORAL_SETUP: 'check',
      });
      const child = spawnNode('api/index.ts', env, join(dataDir, 'api.log'));
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(timer);
      assert.equal(code, 78, stderr);
      assert.match(stderr, new RegExp(`namespace '${namespace}'`));
      assert.match(stderr, /temporal operator namespace create/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
