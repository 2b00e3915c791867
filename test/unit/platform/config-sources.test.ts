// Configuration from a .env file (the environment wins; the worker takes only what it may see) and
// Temporal's connection under @temporalio/envconfig's names, Kairos's older names and a profile file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnvFile, loadConfig, workerEnv, workerMaySee } from '../../../core/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'kairos-config-sources-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('.env file', () => {
  const envFile = file('kairos.env', '# comment\nKAIROS_PORT=9000\nKAIROS_LOG_LEVEL=debug\nKAIROS_ADMIN_PASSWORD="from the file"\nexport KAIROS_TASK_QUEUE=q-file\n');

  it('fills what the environment leaves unset; the environment wins', () => {
    const env: NodeJS.ProcessEnv = { KAIROS_ENV_FILE: envFile, KAIROS_PORT: '8081' };
    assert.equal(applyEnvFile(env), envFile);
    assert.equal(env.KAIROS_PORT, '8081');
    assert.equal(env.KAIROS_LOG_LEVEL, 'debug');
    assert.equal(env.KAIROS_TASK_QUEUE, 'q-file');
    assert.equal(env.KAIROS_ADMIN_PASSWORD, 'from the file');
    assert.equal(loadConfig(env).port, 8081);
  });

  it('gives the worker only what it may see: no admin password from the file', () => {
    const env: NodeJS.ProcessEnv = { KAIROS_ENV_FILE: envFile };
    applyEnvFile(env, workerMaySee);
    assert.equal(env.KAIROS_ADMIN_PASSWORD, undefined);
    assert.equal(env.KAIROS_LOG_LEVEL, 'debug');
    assert.equal(workerEnv({ KAIROS_ADMIN_PASSWORD: 'x', KAIROS_LOG_LEVEL: 'info' }).KAIROS_ADMIN_PASSWORD, undefined);
  });

  it('reads nothing with KAIROS_ENV_FILE=none or without a .env, and names the variable for a missing file', () => {
    const env: NodeJS.ProcessEnv = { KAIROS_ENV_FILE: 'none' };
    assert.equal(applyEnvFile(env), undefined);
    assert.deepEqual(env, { KAIROS_ENV_FILE: 'none' });
    assert.throws(() => applyEnvFile({ KAIROS_ENV_FILE: join(dir, 'missing.env') }), /KAIROS_ENV_FILE: no file at/);
  });
});

describe('Temporal connection settings', () => {
  it("accepts Temporal's own names and Kairos's older ones, Temporal's winning", () => {
    const t = loadConfig({ TEMPORAL_ADDRESS: 'tmp.example:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/k.pem', TEMPORAL_TLS_CA: '/old-ca.pem' }).temporal;
    assert.equal(t.mode, 'external');
    assert.deepEqual(t.tls, { cert: { path: '/c.pem' }, key: { path: '/k.pem' }, ca: { path: '/old-ca.pem' }, serverName: undefined });
    const old = loadConfig({ TEMPORAL_TLS_CERT: '/old.pem', TEMPORAL_TLS_KEY: '/old.key', TEMPORAL_TLS_CLIENT_CERT_PATH: '/new.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/new.key' }).temporal;
    assert.deepEqual([old.tls?.cert, old.tls?.key], [{ path: '/new.pem' }, { path: '/new.key' }]);
    const data = loadConfig({ TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT', TEMPORAL_TLS_CLIENT_KEY_DATA: 'KEY' }).temporal;
    assert.deepEqual([data.tls?.cert, data.tls?.key], [{ data: 'CERT' }, { data: 'KEY' }]);
  });

  it('says which variables are wrong', () => {
    assert.throws(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' }), /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH .* must be set together/);
    assert.throws(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem', TEMPORAL_TLS_CLIENT_CERT_DATA: 'x', TEMPORAL_TLS_KEY: '/k' }), /TEMPORAL_TLS_CLIENT_CERT_DATA: set the file or the PEM text, not both/);
    assert.throws(() => loadConfig({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') }), /TEMPORAL_CONFIG_FILE: no file at/);
  });

  const toml = file(
    'temporal.toml',
    ['[profile.default]', 'address = "default.example:7233"', 'namespace = "ns-default"', '', '[profile.cloud]', 'address = "acct.tmprl.cloud:7233"', 'namespace = "acct.ns"', 'api_key = "key-from-profile"', ''].join('\n'),
  );

  it('reads a Temporal profile file when TEMPORAL_CONFIG_FILE or TEMPORAL_PROFILE is set; the environment wins over it', () => {
    const d = loadConfig({ TEMPORAL_CONFIG_FILE: toml }).temporal;
    assert.deepEqual([d.mode, d.address, d.namespace, d.tls], ['external', 'default.example:7233', 'ns-default', undefined]);
    const c = loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'from-env' }).temporal;
    assert.deepEqual([c.address, c.namespace, c.apiKey, Boolean(c.tls)], ['acct.tmprl.cloud:7233', 'from-env', 'key-from-profile', true]);
    assert.throws(() => loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'missing' }), /TEMPORAL_CONFIG_FILE \/ TEMPORAL_PROFILE: Profile 'missing' not found/);
  });

  it('without either, no file is read: the embedded Temporal and namespace "default"', () => {
    const t = loadConfig({ HOME: dir, XDG_CONFIG_HOME: dir }).temporal;
    assert.deepEqual([t.mode, t.namespace], ['dev', 'default']);
  });
});
