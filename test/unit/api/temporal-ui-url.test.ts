// Where the dashboard links into Temporal Web UI (api/ui.ts temporalUiUrl): KAIROS_TEMPORAL_UI_URL
// when set (a cluster's, any external Temporal's), else the dev server's own UI on this machine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../core/config.ts';
import { temporalUiUrl } from '../../../api/ui.ts';

describe('Temporal Web UI address for the dashboard', () => {
  it('links the dev server Kairos starts, and nothing for a cluster or an external Temporal', () => {
    assert.equal(temporalUiUrl(loadConfig({ KAIROS_UI_PORT: '9000' })), 'http://127.0.0.1:9000');
    assert.equal(temporalUiUrl(loadConfig({ KAIROS_TEMPORAL: 'cluster' })), null);
    assert.equal(temporalUiUrl(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' })), null);
  });

  it('KAIROS_TEMPORAL_UI_URL wins, on a cluster or anywhere, without its trailing slash', () => {
    const url = 'https://temporal.example.com/ui/';
    assert.equal(temporalUiUrl(loadConfig({ KAIROS_TEMPORAL: 'cluster', KAIROS_TEMPORAL_UI_URL: url })), 'https://temporal.example.com/ui');
    assert.equal(temporalUiUrl(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', KAIROS_TEMPORAL_UI_URL: 'http://10.0.0.5:8080' })), 'http://10.0.0.5:8080');
    assert.equal(temporalUiUrl(loadConfig({ KAIROS_TEMPORAL_UI: 'off', KAIROS_TEMPORAL_UI_URL: url })), 'https://temporal.example.com/ui');
  });

  it('a bad value names the variable', () => {
    for (const bad of ['temporal.example.com', 'ftp://temporal.example.com', 'javascript:alert(1)']) {
      assert.throws(() => loadConfig({ KAIROS_TEMPORAL_UI_URL: bad }), (e: unknown) => e instanceof ConfigError && /KAIROS_TEMPORAL_UI_URL: must be an http\(s\) URL/.test(e.message), bad);
    }
  });
});
