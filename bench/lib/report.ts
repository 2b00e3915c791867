// Benchmark results: one row per compared figure, written as JSON (bench/results/) and printed as a
// markdown table with every Temporal target of the run side by side (the README's table is this
// output: `npx tsx bench/table.ts [results.json …]` prints it again from the files).
import { fmt, spread, type Spread } from './stats.ts';

export interface Row {
  bench: string;
  metric: string;
  unit: string;
  /** The Kairos figure (for the scale benchmark: the large-population figure). */
  a: number;
  /** The raw-SDK figure (for the scale benchmark: the small-population figure); NaN for a 'value' row. */
  b: number;
  /** a/b per round (or a − b for "added" figures): median and spread. */
  ratio: Spread;
  /** "ratio" or "diff": how `ratio` was computed; "value": a figure of its own (only `a`), nothing compared. */
  compare: 'ratio' | 'diff' | 'value';
  target: string;
  met: boolean | null;
  note?: string;
}

/** The Temporal a run's stack used: the CLI dev server (SQLite) or the PostgreSQL-backed cluster. */
export type TemporalTarget = 'dev' | 'cluster';

/** Every benchmark of a run against one Temporal target, on a fresh private stack of its own. */
export interface TargetResult {
  name: TemporalTarget;
  /** What that Temporal was, in words (version, persistence). */
  temporal: string;
  startedAt: string;
  finishedAt: string;
  rows: Row[];
  /** Everything measured, per benchmark. */
  data: Record<string, unknown>;
  /** Benchmarks that failed (their rows are missing), or `stack` when the stack did not start: the error. */
  errors?: Record<string, string>;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

/** A results file (bench/results/*.json). */
export interface Results {
  scale: string;
  rounds: number;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  targets: TargetResult[];
}

export function ratios(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x / (b[i] ?? Number.NaN)));
}

export function diffs(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x - (b[i] ?? Number.NaN)));
}

function comparison(r: Row): string {
  switch (r.compare) {
    case 'diff':
      return `${r.ratio.median >= 0 ? '+' : ''}${fmt(r.ratio.median)} ms (${fmt(r.ratio.min)}…${fmt(r.ratio.max)})`;
    case 'ratio':
      return r.ratio.min === r.ratio.max || !Number.isFinite(r.ratio.min) ? fmt(r.ratio.median, 2) : `${fmt(r.ratio.median, 2)} (${fmt(r.ratio.min, 2)}–${fmt(r.ratio.max, 2)})`;
    case 'value':
      return '—';
  }
}

const met = (r: Row | undefined): string => (r === undefined || r.met === null ? '—' : r.met ? 'yes' : 'NO');

/** A markdown table, its columns padded so that it also reads as plain text. */
function markdown(header: string[], lines: string[][]): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|');
  const all = [header, ...lines].map((l) => l.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((l) => (l[i] ?? '').length)));
  const row = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(all[0] ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(row)].join('\n');
}

/** One target's rows (printed as each benchmark finishes). */
export function table(rows: readonly Row[]): string {
  const header = ['Benchmark', 'Metric', 'Kairos (A)', 'Raw SDK (B)', 'A/B median (min–max)', 'Target', 'Met'];
  return markdown(
    header,
    rows.map((r) => [r.bench, `${r.metric} [${r.unit}]`, fmt(r.a), fmt(r.b), comparison(r), r.target, met(r)]),
  );
}

/**
 * Every target side by side: one line per (benchmark, metric), for each target its Kairos figure,
 * raw figure and ratio, then the target and whether each target met it. A row one target lacks
 * (it ran a benchmark the other did not) shows dashes there.
 */
export function combinedTable(targets: readonly Pick<TargetResult, 'name' | 'rows'>[]): string {
  const key = (r: Row) => `${r.bench}\u0000${r.metric}`;
  const keys: string[] = [];
  const first = new Map<string, Row>();
  for (const t of targets) {
    for (const r of t.rows) {
      if (first.has(key(r))) continue;
      first.set(key(r), r);
      keys.push(key(r));
    }
  }
  const byTarget = targets.map((t) => new Map(t.rows.map((r) => [key(r), r])));
  const header = ['Benchmark', 'Metric', ...targets.flatMap((t) => [`${t.name}: Kairos (A)`, `${t.name}: raw (B)`, `${t.name}: A/B (min–max)`]), 'Target', `Met (${targets.map((t) => t.name).join(' / ')})`];
  const lines = keys.map((k) => {
    const r0 = first.get(k) as Row;
    const cells = byTarget.flatMap((m) => {
      const r = m.get(k);
      return r ? [fmt(r.a), fmt(r.b), comparison(r)] : ['—', '—', '—'];
    });
    return [r0.bench, `${r0.metric} [${r0.unit}]`, ...cells, r0.target, byTarget.map((m) => met(m.get(k))).join(' / ')];
  });
  return markdown(header, lines);
}

const seconds = (t: Pick<TargetResult, 'startedAt' | 'finishedAt'>) => Math.round((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000);

/** The machine line: what ran where, how busy the machine was, how long each target took. */
export function machineLine(res: Results): string {
  const m = res.machine;
  const load = `${m.loadAverageAtStart.join('/')}${m.loadAverageAtEnd ? ` → ${m.loadAverageAtEnd.join('/')}` : ''}`;
  return (
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}; load average ${load}. ` +
    `Scale ${res.scale}, ${res.rounds} alternating rounds. ` +
    res.targets.map((t) => `${t.name}: ${t.temporal}, ${seconds(t)} s`).join('; ') +
    '.'
  );
}

/** The whole report: the machine line, the side-by-side table and the rows' notes. */
export function report(res: Results): string {
  const notes = res.targets.flatMap((t) => [
    ...Object.entries(t.errors ?? {}).map(([bench, msg]) => `- ${t.name} · ${bench} FAILED: ${msg}`),
    ...t.rows.filter((r) => r.note).map((r) => `- ${t.name} · ${r.bench} ${r.metric}: ${r.note}`),
  ]);
  return `${machineLine(res)}\n\n${combinedTable(res.targets)}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
}
