import { compileTriggers, nextFireTimes } from '../../../core/triggers/compile.ts';
import type { CronDialect } from '../../../core/triggers/model.ts';

export const SEED = Number(process.env.FC_SEED ?? 20260301);
/** Multiplies the number of random cases (FC_SCALE=10 for a deep run). */
export const SCALE = Number(process.env.FC_SCALE ?? 1);
export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

/** Our fire times, or the error message when the compiler rejects the expression. */
export function ours(expression: string, dialect: CronDialect, tz: string, from: number, n: number): number[] | string {
  try {
    const { spec } = compileTriggers([{ type: 'cron', expression, dialect, timezone: tz }], { now: new Date(from) });
    if (!spec) return 'no spec';
    return nextFireTimes(spec, new Date(from), n).map((d) => d.getTime());
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

export const iso = (ms: readonly number[]): string[] => ms.map((t) => new Date(t).toISOString());

export const END_2100 = Date.UTC(2101, 0, 1) - 1;

/** Collects mismatches and fails with the first few, so one run shows the whole picture. */
export class Mismatches {
  readonly items: string[] = [];
  add(s: string): void {
    this.items.push(s);
  }
  report(total: number): string {
    return `${this.items.length} of ${total} cases differ:\n${this.items.slice(0, 8).join('\n')}`;
  }
}
