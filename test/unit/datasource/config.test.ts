// The datasource settings in core/config.ts: the files directories and the statement timeout,
// validated once at start-up with the variable named in the error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../core/config.ts';

const bad = (env: NodeJS.ProcessEnv, why: RegExp) => assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && why.test(e.message));

void describe('datasource configuration', () => {
  void it('defaults: <data dir>/files and a 5-minute statement timeout', () => {
    const cfg = loadConfig({ KAIROS_DATA_DIR: '/srv/kairos/data' });
    assert.deepEqual(cfg.datasource, { dirs: ['/srv/kairos/data/files'], dataDir: '/srv/kairos/data', statementTimeoutMs: 300_000 });
  });

  void it('takes ":"-separated absolute directories, normalized, and a duration', () => {
    const cfg = loadConfig({ KAIROS_DATA_DIR: '/srv/kairos/data', KAIROS_DATASOURCE_DIRS: '/srv/in/:/srv/kairos/data/imports', KAIROS_DATASOURCE_STATEMENT_TIMEOUT: '30s' });
    assert.deepEqual(cfg.datasource.dirs, ['/srv/in', '/srv/kairos/data/imports']);
    assert.equal(cfg.datasource.statementTimeoutMs, 30_000);
  });

  void it('refuses directories that would open the data directory or a system tree, naming the variable', () => {
    const env = { KAIROS_DATA_DIR: '/srv/kairos/data' };
    bad({ ...env, KAIROS_DATASOURCE_DIRS: 'relative/dir' }, /KAIROS_DATASOURCE_DIRS: 'relative\/dir' must be an absolute directory/);
    bad({ ...env, KAIROS_DATASOURCE_DIRS: '/srv/in/../kairos' }, /KAIROS_DATASOURCE_DIRS: .* must not contain "\.\."/);
    bad({ ...env, KAIROS_DATASOURCE_DIRS: '/srv/kairos/data' }, /KAIROS_DATASOURCE_DIRS: .*would open the data directory/);
    bad({ ...env, KAIROS_DATASOURCE_DIRS: '/srv/in:/srv' }, /KAIROS_DATASOURCE_DIRS: '\/srv' would open the data directory/);
    bad({ ...env, KAIROS_DATASOURCE_DIRS: '/' }, /KAIROS_DATASOURCE_DIRS/);
    bad({ ...env, KAIROS_DATASOURCE_DIRS: '/proc/self' }, /KAIROS_DATASOURCE_DIRS: .*system tree/);
    bad({ ...env, KAIROS_DATASOURCE_STATEMENT_TIMEOUT: '10ms' }, /KAIROS_DATASOURCE_STATEMENT_TIMEOUT: must be a duration of at least 1s/);
  });
});
