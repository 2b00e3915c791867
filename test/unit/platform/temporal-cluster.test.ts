// The pure parts of the PostgreSQL-backed cluster: its server config, the ports read back from it,
// the database URL, and the configuration rows that select it (KAIROS_TEMPORAL and friends).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, workerEnv } from '../../../core/config.ts';
import { policyFromConfig } from '../../../core/net/policy.ts';
import {
  assertDbName,
  clusterConfig,
  dynamicConfig,
  internalPorts,
  MEMBERSHIP_PORT_RANGE,
  parseDbUrl,
  portsFromConfigFile,
  renderConfigFile,
  type ClusterPorts,
} from '../../../scripts/temporal-cluster.ts';

const PORTS: ClusterPorts = {
  frontend: { grpc: 7233, membership: 26933 },
  history: { grpc: 41001, membership: 26934 },
  matching: { grpc: 41002, membership: 26935 },
  worker: { grpc: 41003, membership: 26939 },
  http: 7243,
};

const config = (over: Partial<Parameters<typeof clusterConfig>[0]> = {}) =>
  clusterConfig({
    sql: parseDbUrl('postgres://temporal:s3cr%40t@db.example:6543/postgres?sslmode=require'),
    dbName: 'kt',
    historyShards: 8,
    ports: PORTS,
    dynamicConfigFile: '/data/temporal-dynamicconfig.yaml',
    ...over,
  }) as {
    persistence: { numHistoryShards: number; defaultStore: string; visibilityStore: string; datastores: Record<string, { sql: Record<string, unknown> }> };
    services: Record<string, { rpc: Record<string, unknown> }>;
    global: { membership: { broadcastAddress: string } };
    clusterMetadata: { clusterInformation: { active: { rpcAddress: string } } };
    archival: { history: { state: string }; visibility: { state: string } };
    dynamicConfigClient: { filepath: string };
  };

describe('Temporal cluster config', () => {
  it('puts persistence and visibility on PostgreSQL with the given shards and connection', () => {
    const c = config();
    assert.equal(c.persistence.numHistoryShards, 8);
    const def = c.persistence.datastores[c.persistence.defaultStore]?.sql;
    const vis = c.persistence.datastores[c.persistence.visibilityStore]?.sql;
    assert.equal(def?.pluginName, 'postgres12');
    assert.equal(def?.databaseName, 'kt');
    assert.equal(vis?.databaseName, 'kt_visibility');
    assert.equal(def?.connectAddr, 'db.example:6543');
    assert.equal(def?.user, 'temporal');
    assert.equal(def?.password, 's3cr@t', 'percent-decoded');
    assert.deepEqual(def?.connectAttributes, { sslmode: 'require' });
  });

  it('binds every service to loopback on its own ports, the frontend with its HTTP API', () => {
    const c = config();
    for (const name of ['frontend', 'history', 'matching', 'worker'] as const) {
      const rpc = c.services[name]?.rpc;
      assert.equal(rpc?.grpcPort, PORTS[name].grpc, name);
      assert.equal(rpc?.membershipPort, PORTS[name].membership, name);
      assert.equal(rpc?.bindOnLocalHost, true, name);
    }
    assert.equal(c.services.frontend?.rpc.httpPort, 7243);
    assert.equal(c.services.history?.rpc.httpPort, undefined);
    assert.equal(c.global.membership.broadcastAddress, '127.0.0.1');
    assert.equal(c.clusterMetadata.clusterInformation.active.rpcAddress, '127.0.0.1:7233');
    assert.deepEqual([c.archival.history.state, c.archival.visibility.state], ['disabled', 'disabled']);
    assert.equal(c.dynamicConfigClient.filepath, '/data/temporal-dynamicconfig.yaml');
  });

  it('writes YAML in its JSON form, whose ports Kairos reads back', () => {
    const text = renderConfigFile(config());
    assert.match(text, /^# /, 'starts with a comment saying who wrote it');
    assert.deepEqual(portsFromConfigFile(text), PORTS);
    assert.equal(portsFromConfigFile('not: [json'), undefined);
    assert.deepEqual(portsFromConfigFile('{}'), {});
  });

  it('keeps membership ports below 32768 (Temporal stores them as SMALLINT)', () => {
    assert.ok(MEMBERSHIP_PORT_RANGE[1] <= 32767);
    assert.ok(MEMBERSHIP_PORT_RANGE[0] >= 1024);
  });

  it('lists the ports besides the frontend gRPC and HTTP API as internal', () => {
    assert.deepEqual(internalPorts(PORTS).sort(), [26933, 41001, 26934, 41002, 26935, 41003, 26939].sort());
  });

  it('raises the visibility rate like the dev server and adds the caller’s dynamic config', () => {
    assert.deepEqual(dynamicConfig({ 'worker.schedulerNamespaceStartWorkflowRPS': 50 }), {
      'frontend.namespaceRPS.visibility': [{ value: 100 }],
      'worker.schedulerNamespaceStartWorkflowRPS': [{ value: 50 }],
    });
  });

  it('reads the database URL with defaults and refuses what is not PostgreSQL', () => {
    assert.deepEqual(parseDbUrl('postgres://127.0.0.1/postgres'), { host: '127.0.0.1', port: 5432, user: 'postgres', password: '', adminDatabase: 'postgres', attributes: {} });
    assert.equal(parseDbUrl('postgresql://u@[::1]:5433/').host, '::1');
    assert.equal(config({ sql: parseDbUrl('postgres://u@[::1]:5433/') }).persistence.datastores['postgres-default']?.sql.connectAddr, '[::1]:5433');
    assert.throws(() => parseDbUrl('mysql://x/y'), /KAIROS_TEMPORAL_DB_URL/);
    assert.throws(() => parseDbUrl('nope'), /KAIROS_TEMPORAL_DB_URL/);
    assert.throws(() => assertDbName('temporal; DROP'), /letters, digits and underscores/);
    assertDbName('kairos_t_1_tc_ab12');
  });
});

describe('KAIROS_TEMPORAL and the cluster settings', () => {
  it('defaults to the dev server; cluster mode has its database, shards and no Web UI', () => {
    const dev = loadConfig({});
    assert.equal(dev.temporal.mode, 'dev');
    assert.equal(dev.temporal.ui, true);
    assert.deepEqual(dev.temporal.cluster, { dbUrl: 'postgres://postgres@127.0.0.1:5432/postgres', dbName: 'temporal', historyShards: 4 });
    const cluster = loadConfig({ KAIROS_TEMPORAL: 'cluster', KAIROS_TEMPORAL_DB_URL: 'postgres://t:p@db:5432/postgres', KAIROS_TEMPORAL_DB_NAME: 'kt', KAIROS_TEMPORAL_HISTORY_SHARDS: '16' });
    assert.equal(cluster.temporal.mode, 'cluster');
    assert.equal(cluster.temporal.embedded, true);
    assert.equal(cluster.temporal.ui, false, 'the cluster has no Web UI');
    assert.deepEqual(cluster.temporal.cluster, { dbUrl: 'postgres://t:p@db:5432/postgres', dbName: 'kt', historyShards: 16 });
  });

  it('lets TEMPORAL_ADDRESS win (external), without a Web UI link when the launcher ran a cluster', () => {
    const cfg = loadConfig({ KAIROS_TEMPORAL: 'cluster', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    assert.equal(cfg.temporal.mode, 'external');
    assert.equal(cfg.temporal.embedded, false);
    assert.equal(cfg.temporal.ui, false);
  });

  it('names the variable of a bad value', () => {
    const refuses = (env: NodeJS.ProcessEnv, re: RegExp) => assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && re.test(err.message), JSON.stringify(env));
    refuses({ KAIROS_TEMPORAL: 'prod' }, /KAIROS_TEMPORAL: must be "dev" .* or "cluster"/);
    refuses({ KAIROS_TEMPORAL_DB_URL: 'mysql://x/y' }, /KAIROS_TEMPORAL_DB_URL: must be a postgres:\/\//);
    refuses({ KAIROS_TEMPORAL_DB_NAME: 'a-b' }, /KAIROS_TEMPORAL_DB_NAME: must be a PostgreSQL database name/);
    for (const bad of ['0', '1.5', 'many', '20000']) refuses({ KAIROS_TEMPORAL_HISTORY_SHARDS: bad }, /KAIROS_TEMPORAL_HISTORY_SHARDS: must be a whole number from 1 to 16384/);
    refuses({ KAIROS_TEMPORAL_INTERNAL_PORTS: '1,x' }, /KAIROS_TEMPORAL_INTERNAL_PORTS: must be comma-separated port numbers/);
    refuses({ KAIROS_TEMPORAL_INTERNAL_PORTS: '70000' }, /KAIROS_TEMPORAL_INTERNAL_PORTS/);
  });

  it('denies the cluster’s internal ports to jobs even where loopback is allowed', () => {
    const cfg = loadConfig({ KAIROS_EGRESS_ALLOW: '127.0.0.1', KAIROS_TEMPORAL_INTERNAL_PORTS: '41001, 26934' });
    assert.deepEqual(cfg.temporal.internalPorts, [41001, 26934]);
    const policy = policyFromConfig(cfg, ['127.0.0.1']);
    assert.equal(policy.check(undefined, '127.0.0.1', 41001).allowed, false);
    assert.equal(policy.check(undefined, '127.0.0.1', 26934).allowed, false);
    assert.equal(policy.check(undefined, '127.0.0.1', 41009).allowed, true);
  });

  it('never hands the worker the cluster’s database URL', () => {
    const env = workerEnv({ KAIROS_TEMPORAL_DB_URL: 'postgres://t:secret@db/postgres', KAIROS_TEMPORAL_PORT: '7233', KAIROS_TEMPORAL_INTERNAL_PORTS: '1' });
    assert.deepEqual(Object.keys(env).sort(), ['KAIROS_TEMPORAL_INTERNAL_PORTS', 'KAIROS_TEMPORAL_PORT']);
  });
});
