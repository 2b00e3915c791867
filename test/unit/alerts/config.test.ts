// The alert settings: SMTP URL and sender, the public URL alert links start with, and what a bad
// value says at start-up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, workerEnv } from '../../../core/config.ts';

const base = { KAIROS_ENV_FILE: 'none' };

describe('alert configuration', () => {
  it('defaults: no SMTP, links to the API address, a sender at its host', () => {
    const cfg = loadConfig({ ...base, KAIROS_PORT: '9090' });
    assert.equal(cfg.alerts.smtpUrl, undefined);
    assert.equal(cfg.alerts.publicUrl, 'http://127.0.0.1:9090');
    assert.equal(cfg.alerts.from, 'kairos@127.0.0.1');
  });

  it('takes the SMTP URL, the sender and the public URL (without a trailing slash)', () => {
    const cfg = loadConfig({ ...base, KAIROS_SMTP_URL: 'smtps://u:p@mail.example.com:465', KAIROS_ALERT_FROM: 'ops@example.com', KAIROS_PUBLIC_URL: 'https://kairos.example.com/' });
    assert.equal(cfg.alerts.smtpUrl, 'smtps://u:p@mail.example.com:465');
    assert.equal(cfg.alerts.from, 'ops@example.com');
    assert.equal(cfg.alerts.publicUrl, 'https://kairos.example.com');
    assert.equal(loadConfig({ ...base, KAIROS_PUBLIC_URL: 'https://kairos.example.com' }).alerts.from, 'kairos@kairos.example.com');
  });

  it('refuses a URL that is not SMTP, naming the variable', () => {
    assert.throws(() => loadConfig({ ...base, KAIROS_SMTP_URL: 'http://mail.example.com' }), (err: Error) => err instanceof ConfigError && /KAIROS_SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/.test(err.message));
    assert.throws(() => loadConfig({ ...base, KAIROS_PUBLIC_URL: 'kairos.example.com' }), (err: Error) => err instanceof ConfigError && /KAIROS_PUBLIC_URL/.test(err.message));
  });

  it('the worker sees the alert settings (it delivers), not the admin password', () => {
    const env = workerEnv({ KAIROS_SMTP_URL: 'smtp://h:25', KAIROS_ALERT_FROM: 'a@b.c', KAIROS_PUBLIC_URL: 'https://k', KAIROS_ADMIN_PASSWORD: 'pw' });
    assert.deepEqual(Object.keys(env).sort(), ['KAIROS_ALERT_FROM', 'KAIROS_PUBLIC_URL', 'KAIROS_SMTP_URL']);
  });
});
