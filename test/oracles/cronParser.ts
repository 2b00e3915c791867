// The unix oracle: the cron-parser package (npm). Its day rule differs from Vixie's in one case:
// it treats a day field as unrestricted only when its text is exactly "*" or "?", while Vixie
// (and Kairos) look at the first character ("*/2" is unrestricted for Vixie). Where the two rules
// disagree, Vixie ANDs the fields, and the reference is the intersection of two cron-parser runs,
// each with one of the day fields replaced by "*".
import { CronExpressionParser } from 'cron-parser';

export function cronParserTimes(expr: string, tz: string, from: number, n: number): number[] {
  const it = CronExpressionParser.parse(expr, { currentDate: new Date(from), tz });
  const out: number[] = [];
  for (let i = 0; i < n && it.hasNext(); i++) out.push(it.next().getTime());
  return out;
}

/** Times matched by both expressions (sequences intersected), up to the horizon both reach. */
export function intersectTimes(a: readonly number[], b: readonly number[], n: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length && out.length < n) {
    const x = a[i] ?? 0;
    const y = b[j] ?? 0;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Vixie's rule vs cron-parser's rule for the day fields of a 5-field expression. */
export function vixieNeedsIntersection(dom: string, dow: string): boolean {
  const vixieOr = !dom.startsWith('*') && !dow.startsWith('*');
  const parserOr = dom !== '*' && dom !== '?' && dow !== '*' && dow !== '?';
  return vixieOr !== parserOr;
}
