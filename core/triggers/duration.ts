// Durations as the triggers accept them: Go's time.ParseDuration syntax ("1h30m", "1.5h", "300ms")
// and ISO 8601 durations ("PT15M", "P1DT2H", "P2W"). Results are in milliseconds; sub-millisecond
// parts must add up to whole milliseconds (or are rejected), calendar units (years, months) are rejected
// because they have no fixed length.

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration into ms (may be negative or fractional); null if it is not one. */
export function parseGoDuration(text: string): number | null {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return null;
  // Work in nanoseconds with BigInt-free integer arithmetic on (whole, fraction) pairs to stay exact.
  let totalNs = 0n;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/u;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return null;
    const whole = m[1] ?? '';
    const frac = m[2] ?? '';
    const unit = m[3] ?? '';
    if (whole === '' && frac === '') return null;
    const unitNs = BigInt(Math.round((GO_UNITS[unit] ?? 0) * 1e6));
    totalNs += BigInt(whole === '' ? '0' : whole) * unitNs;
    if (frac !== '') {
      const scale = 10n ** BigInt(frac.length);
      totalNs += (BigInt(frac) * unitNs) / scale; // Go truncates the fraction to whole nanoseconds
    }
    s = s.slice(m[0].length);
  }
  return (sign * Number(totalNs)) / 1e6;
}

/** Parses an ISO 8601 duration (PnW, PnDTnHnMnS; fractions allowed on the smallest unit) into ms. */
export function parseIsoDuration(text: string): number | null {
  const m = /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/u.exec(
    text.toUpperCase(),
  );
  if (!m || text.length < 2 || /T$/iu.test(text)) return null;
  const parts = [m[1], m[2], m[3], m[4], m[5]];
  if (parts.every((p) => p === undefined)) return null;
  const unitMs = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === undefined) continue;
    total += Number(p.replace(',', '.')) * (unitMs[i] ?? 0);
  }
  return Math.round(total * 1000) / 1000;
}

/** True when the text uses ISO 8601 calendar units (years / months) that have no fixed length. */
export function isIsoCalendarDuration(text: string): boolean {
  return /^P(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?/iu.test(text) && /^P[^T]*[YM]/iu.test(text);
}

/** A duration in either syntax, in ms; null if it is neither. */
export function parseDuration(text: string): number | null {
  if (/^P/iu.test(text)) return parseIsoDuration(text);
  return parseGoDuration(text);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/u;

/** Parses an RFC 3339 instant; null if the text is not one (or names an impossible date). */
export function parseRfc3339(text: string): Date | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map((x) => x ?? '');
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : new Date(ms);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, month: number): number {
  if (month === 2) return isLeapYear(y) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
