// Reads a Prometheus text exposition (what /metrics answers) for tests: samples by name and labels.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[A-Za-z_:][\w:]*/;
const LABEL = /(?:^|,)(\w+)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a text exposition (comments and blank lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`not a sample line: ${line}`);
    // `name{labels} value [timestamp]`: the labels end at the last brace (values may hold spaces).
    const close = line[name.length] === '{' ? line.lastIndexOf('}') : name.length - 1;
    const labels: Record<string, string> = {};
    for (const l of line.slice(name.length + 1, close).matchAll(LABEL)) labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    const value = line.slice(close + 1).trim().split(' ')[0];
    out.push({ name, labels, value: Number(value) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `match` (0 when none). */
export function total(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** GETs a /metrics URL and parses it; throws on a status other than 200. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  return parseMetrics(text);
}
