import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../core/config.ts';

describe('config', () => {
  it('has defaults that start the embedded Temporal', () => {
    const cfg = loadConfig({});
    assert.equal(cfg.port, 8080);
    assert.equal(cfg.temporal.embedded, true);
    assert.equal(cfg.temporal.address, '127.0.0.1:7233');
    assert.equal(cfg.temporal.namespace, 'default');
    assert.equal(cfg.temporal.tls, undefined);
    assert.match(cfg.dataDir, /\/data$/);
  });

  it('uses an existing Temporal when TEMPORAL_ADDRESS is set, with TLS and an API key', () => {
    const cfg = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k' });
    assert.equal(cfg.temporal.embedded, false);
    assert.equal(cfg.temporal.address, 'ns.acct.tmprl.cloud:7233');
    assert.ok(cfg.temporal.tls, 'an API key implies TLS');
    assert.equal(cfg.temporal.apiKey, 'k');
  });

  it('names the variable and the reason for a bad value', () => {
    assert.throws(() => loadConfig({ KAIROS_PORT: 'abc' }), (err: unknown) => err instanceof ConfigError && /KAIROS_PORT: must be a port number/.test(err.message));
    assert.throws(() => loadConfig({ KAIROS_UI_PORT: '70000' }), /KAIROS_UI_PORT/);
    assert.throws(() => loadConfig({ KAIROS_ADMIN_PASSWORD: 'short' }), /KAIROS_ADMIN_PASSWORD: must be at least 8 characters/);
    assert.throws(() => loadConfig({ TEMPORAL_TLS_CERT: '/x.pem' }), /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH \(or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY\) must be set together/);
  });

  it('reads the audit retention as days or a duration (default 90 days), at least a minute', () => {
    const day = 86_400_000;
    assert.equal(loadConfig({}).audit.retentionMs, 90 * day);
    assert.equal(loadConfig({ KAIROS_AUDIT_RETENTION: '30d' }).audit.retentionMs, 30 * day);
    assert.equal(loadConfig({ KAIROS_AUDIT_RETENTION: 'P7D' }).audit.retentionMs, 7 * day);
    assert.equal(loadConfig({ KAIROS_AUDIT_RETENTION: '36h' }).audit.retentionMs, 36 * 3_600_000);
    for (const bad of ['0d', '10s', 'forever', '-1d']) assert.throws(() => loadConfig({ KAIROS_AUDIT_RETENTION: bad }), /KAIROS_AUDIT_RETENTION: must be a duration/, bad);
  });
});
