import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompileProgress, temporalBinary, temporalServerFiles } from '../../../scripts/temporal-bin.ts';

/** Runs fn with a temporary environment, restoring the real one after. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

describe('temporal binary lookup', () => {
  it('prefers KAIROS_TEMPORAL_BIN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbin-'));
    const bin = join(dir, 'my-temporal');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    assert.equal(await withEnv({ KAIROS_TEMPORAL_BIN: bin }, temporalBinary), bin);
    await assert.rejects(withEnv({ KAIROS_TEMPORAL_BIN: join(dir, 'missing') }, temporalBinary), /KAIROS_TEMPORAL_BIN=.* does not exist/);
  });

  it('uses a temporal on PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpath-'));
    writeFileSync(join(dir, 'temporal'), '#!/bin/sh\n');
    chmodSync(join(dir, 'temporal'), 0o755);
    assert.equal(await withEnv({ KAIROS_TEMPORAL_BIN: undefined, PATH: dir }, temporalBinary), join(dir, 'temporal'));
  });

  it('says what to install when there is no binary and no Go', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'knogo-'));
    await assert.rejects(
      withEnv({ KAIROS_TEMPORAL_BIN: undefined, PATH: empty, KAIROS_CACHE_DIR: empty, KAIROS_GO_BIN: join(empty, 'no-go') }, temporalBinary),
      /Install Go/,
    );
  });
});

describe('temporal server files lookup', () => {
  it('takes KAIROS_TEMPORAL_SERVER_DIR when it holds both binaries and the schema, and says what is missing otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksrv-'));
    await assert.rejects(withEnv({ KAIROS_TEMPORAL_SERVER_DIR: dir }, temporalServerFiles), /KAIROS_TEMPORAL_SERVER_DIR=.* must hold temporal-server, temporal-sql-tool and schema/);
    for (const f of ['temporal-server', 'temporal-sql-tool']) writeFileSync(join(dir, f), '#!/bin/sh\n');
    for (const kind of ['temporal', 'visibility']) mkdirSync(join(dir, 'schema', 'postgresql', 'v12', kind, 'versioned'), { recursive: true });
    assert.deepEqual(await withEnv({ KAIROS_TEMPORAL_SERVER_DIR: dir }, temporalServerFiles), {
      server: join(dir, 'temporal-server'),
      sqlTool: join(dir, 'temporal-sql-tool'),
      schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    });
  });
});

describe('build progress', () => {
  it('counts the packages `go build -v` names among those `go list` said it must compile', () => {
    const p = new CompileProgress(['internal/cpu', 'runtime', 'go.temporal.io/server/cmd/server', '']);
    assert.equal(p.toString(), '0/3 packages (0%)');
    for (const line of ['internal/cpu', 'go: downloading x v1', 'internal/cpu', 'runtime ']) p.saw(line);
    assert.equal(p.toString(), '2/3 packages (66%)', 'each package once; other lines ignored');
    p.saw('go.temporal.io/server/cmd/server');
    assert.equal(p.toString(), '3/3 packages (100%)');
    assert.equal(new CompileProgress([]).toString(), '0/0 packages (100%)');
  });
});
