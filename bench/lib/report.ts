// Benchmark results: one row per compared figure, printed as a table and written as JSON.
import { fmt, spread, type Spread } from './stats.ts';

export interface Row {
  bench: string;
  metric: string;
  unit: string;
  /** The Kairos figure (for the scale benchmark: the large-population figure). */
  a: number;
  /** The raw-SDK figure (for the scale benchmark: the small-population figure). */
  b: number;
  /** a/b per round (or a − b for "added" figures): median and spread. */
  ratio: Spread;
  /** "ratio" or "diff": how `ratio` was computed. */
  compare: 'ratio' | 'diff';
  target: string;
  met: boolean | null;
  note?: string;
}

export function ratios(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x / (b[i] ?? Number.NaN)));
}

export function diffs(a: readonly number[], b: readonly number[]): Spread {
  return spread(a.map((x, i) => x - (b[i] ?? Number.NaN)));
}

export function table(rows: readonly Row[]): string {
  const header = ['Benchmark', 'Metric', 'Kairos (A)', 'Raw SDK (B)', 'A/B median (min–max)', 'Target', 'Met'];
  const lines = rows.map((r) => [
    r.bench,
    `${r.metric} [${r.unit}]`,
    fmt(r.a),
    fmt(r.b),
    r.compare === 'diff'
      ? `${r.ratio.median >= 0 ? '+' : ''}${fmt(r.ratio.median)} ms (${fmt(r.ratio.min)}…${fmt(r.ratio.max)})`
      : `${fmt(r.ratio.median, 2)} (${fmt(r.ratio.min, 2)}–${fmt(r.ratio.max, 2)})`,
    r.target,
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  const row = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}
