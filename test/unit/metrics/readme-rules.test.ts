// The README's Prometheus alert rules are a rule file one can load: valid YAML in Prometheus's rule
// file shape, every expression valid PromQL (Prometheus's own grammar), and every Kairos metric they
// name is one Kairos exports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { METRIC } from '../../../core/temporal/contract.ts';
import { countRunsNotHappened, createApiMetrics } from '../../../api/metrics.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Alert rules'));
const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The PromQL syntax errors of `expr` (lezer marks each as an error node). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 20), n.to + 20))}`);
    },
  });
  return errors;
}

describe('README alert rules', () => {
  const doc = parse(block) as { groups: { name: string; rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);

  it('are a Prometheus rule file with the alerts the README promises', () => {
    assert.ok(block.length > 0, 'the yaml block under "### Alert rules"');
    for (const r of rules) {
      assert.equal(typeof r.alert, 'string');
      assert.equal(typeof r.expr, 'string');
      if (r.for !== undefined) assert.match(r.for, /^\d+[smh]$/);
    }
    const names = rules.map((r) => r.alert);
    for (const want of ['KairosJobFailing', 'KairosRunsLate', 'KairosRunsSkipped']) assert.ok(names.includes(want), want);
  });

  it('every expression parses as PromQL', () => {
    for (const r of rules) assert.deepEqual(promqlErrors(r.expr), [], `${r.alert}: ${r.expr}`);
    assert.notDeepEqual(promqlErrors('sum by (job_id (x)'), [], 'the check finds a broken expression');
  });

  it('names only metrics Kairos exports (or Temporal, or Prometheus itself)', async () => {
    // The worker's (the contract's names) and the API's (its registry's).
    const metrics = createApiMetrics();
    countRunsNotHappened(metrics, { onRunNotHappened: () => undefined });
    const api = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const kairos = new Set<string>([...Object.values(METRIC), ...api].flatMap((m) => [m, `${m}_total`, `${m}_bucket`, `${m}_sum`, `${m}_count`]));
    for (const r of rules) {
      for (const name of r.expr.match(/\bkairos_\w+/g) ?? []) assert.ok(kairos.has(name), `${r.alert}: ${name} is not a Kairos metric`);
    }
  });
});
