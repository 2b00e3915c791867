// The benchmark report (bench/lib/report.ts, bench/table.ts): the targets' figures side by side in one
// markdown table, a row one target lacks shown as dashes, and results files of either shape read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combinedTable, report, type Results, type Row } from '../../../bench/lib/report.ts';
import { combine, readResults } from '../../../bench/table.ts';

const row = (metric: string, a: number, b: number, met: boolean | null): Row => ({
  bench: '1 create',
  metric,
  unit: 'jobs/s',
  a,
  b,
  ratio: { median: a / b, min: a / b - 0.1, max: a / b + 0.1 },
  compare: 'ratio',
  target: '≥ 0.9',
  met,
});

const results = (targets: Results['targets']): Results => ({
  scale: 'quick',
  rounds: 5,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:10:00.000Z',
  machine: { cores: 2, cpu: 'cpu', memoryGiB: 4, node: 'v20', loadAverageAtStart: [1, 1, 1], loadAverageAtEnd: [2, 2, 2] },
  targets,
});

const target = (name: 'dev' | 'cluster', rows: Row[]) => ({ name, temporal: `${name} temporal`, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:40.000Z', rows, data: {} });

describe('benchmark report', () => {
  it('puts the targets side by side, one line per metric, with the target and each one met', () => {
    const text = combinedTable([target('dev', [row('1 client', 9, 10, true), row('16 clients', 8, 10, false)]), target('cluster', [row('1 client', 4.5, 5, true)])]);
    const lines = text.split('\n');
    assert.equal(lines.length, 4); // header, rule, two metrics
    assert.match(lines[0] ?? '', /^\| Benchmark +\| Metric +\| dev: Kairos \(A\) +\| dev: raw \(B\) +\| dev: A\/B \(min–max\) +\| cluster: Kairos \(A\) .*\| Target +\| Met \(dev \/ cluster\) +\|$/);
    assert.match(lines[1] ?? '', /^\|-+(\|-+){9}\|$/);
    for (const l of [lines[0], lines[2], lines[3]]) assert.equal(l?.split(' | ').length, 10);
    assert.match(lines[2] ?? '', /1 client \[jobs\/s\] +\| 9\.00 +\| 10\.0 +\| 0\.90 \(0\.80–1\.00\) +\| 4\.50 +\| 5\.00 +\| 0\.90 \(0\.80–1\.00\) +\| ≥ 0\.9 +\| yes \/ yes/);
    assert.match(lines[3] ?? '', /16 clients \[jobs\/s\] +\| 8\.00 +\| 10\.0 +\| 0\.80 .*\| — +\| — +\| — +\| ≥ 0\.9 +\| NO \/ — +\|$/);
  });

  it('starts with the machine line naming each target and how long it ran', () => {
    const text = report(results([target('dev', [row('1 client', 9, 10, true)]), target('cluster', [])]));
    assert.match(text.split('\n')[0] ?? '', /^Machine: 2 cores \(cpu\), 4 GiB, Node v20; load average 1\/1\/1 → 2\/2\/2\. Scale quick, 5 alternating rounds\. dev: dev temporal, 100 s; cluster: cluster temporal, 100 s\.$/);
  });

  it('reads a results file of the shape before targets as a dev-server run, and combines files by target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-report-'));
    try {
      const old = join(dir, 'old.json');
      const cur = join(dir, 'new.json');
      writeFileSync(old, JSON.stringify({ scale: 'full', startedAt: 'a', finishedAt: 'b', machine: { cores: 2, cpu: 'c', memoryGiB: 1, node: 'v', temporalCli: 'v1.8.2', loadAverageAtStart: [0] }, rows: [row('x', 1, 1, true)], data: {} }));
      writeFileSync(cur, JSON.stringify(results([target('cluster', [row('x', 2, 1, false)])])));
      const both = combine([readResults(old), readResults(cur)]);
      assert.deepEqual(both.targets.map((t) => t.name), ['dev', 'cluster']);
      assert.equal(both.targets[0]?.temporal, 'Temporal CLI v1.8.2 dev server (SQLite)');
      assert.equal(both.scale, 'full');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
