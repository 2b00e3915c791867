// Durations as users write them: Go durations ("1h30m", "10s", "250ms") and ISO 8601 durations
// without calendar parts ("PT15M", "P1DT2H" with D = 24 h). Calendar units (years, months) have no
// fixed length, so they are rejected rather than guessed.
const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^([0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+$/;
const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  if (GO_DURATION.test(t)) {
    let total = 0;
    for (const m of t.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (GO_UNITS[m[2] ?? ''] ?? NaN);
    return Number.isFinite(total) ? Math.round(total) : undefined;
  }
  const iso = ISO_DURATION.exec(t);
  if (iso && t !== 'P' && !t.endsWith('T')) {
    const [, w, d, h, m, s] = iso.map((v) => (v === undefined ? 0 : Number(v)));
    return Math.round(((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (m ?? 0)) * 60_000 + (s ?? 0) * 1000);
  }
  return undefined;
}

/** Canonical short form, e.g. 5400000 → "1h30m". */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
