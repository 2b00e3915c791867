// Small statistics helpers for the benchmarks (no dependencies).

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN for no data. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo] ?? Number.NaN;
  const b = s[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export const median = (v: readonly number[]) => quantile(v, 0.5);
export const p99 = (v: readonly number[]) => quantile(v, 0.99);

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/** Formats a number with a sensible number of digits. */
export function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return '—';
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
  return n.toFixed(d);
}

/** Runs `fn` for each item with at most `concurrency` in flight; returns per-item latencies (ms). */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = new Array<number>(items.length).fill(Number.NaN);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const t0 = performance.now();
      await fn(items[i] as T, i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return latencies;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
