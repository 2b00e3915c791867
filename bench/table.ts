// Prints the benchmark report (machine line, markdown table with the Temporal targets side by side,
// notes) from results files: `npx tsx bench/table.ts [file.json …]`, default bench/results/latest.json.
// Several files combine their targets (a later file's target replaces an earlier one of the same
// name), e.g. a dev-server run and a cluster run made apart; the machine line is the first file's.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { report, type Results, type Row, type TargetResult } from './lib/report.ts';

/** A results file; one written before targets existed (rows at the top level) is a dev-server run. */
export function readResults(file: string): Results {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Results> & { rows?: Row[]; data?: Record<string, unknown>; machine: Results['machine'] & { temporalCli?: string } };
  if (raw.targets) return raw as Results;
  const dev: TargetResult = {
    name: 'dev',
    temporal: `Temporal CLI ${raw.machine.temporalCli ?? '?'} dev server (SQLite)`,
    startedAt: raw.startedAt ?? '',
    finishedAt: raw.finishedAt ?? '',
    rows: raw.rows ?? [],
    data: raw.data ?? {},
  };
  return { scale: raw.scale ?? '?', rounds: raw.rounds ?? 5, startedAt: dev.startedAt, finishedAt: dev.finishedAt, machine: raw.machine, targets: [dev] };
}

export function combine(all: readonly Results[]): Results {
  const [first, ...rest] = all;
  if (!first) throw new Error('no results');
  const targets = new Map(first.targets.map((t) => [t.name, t]));
  for (const r of rest) for (const t of r.targets) targets.set(t.name, t);
  return { ...first, targets: [...targets.values()] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) files.push(fileURLToPath(new URL('./results/latest.json', import.meta.url)));
  process.stdout.write(report(combine(files.map(readResults))));
}
