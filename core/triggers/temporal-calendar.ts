// Temporal's own calendar algorithm (server 1.31, service/worker/scheduler/calendar.go,
// compiledCalendar.next), replayed in TypeScript so that the evaluator shows what Temporal fires
// around DST transitions — which is not plain wall-clock matching:
//  - Go's time.Date resolves a wall time by the offset found at "the wall time read as UTC", then
//    re-checks once. West of UTC (America/*) an ambiguous time resolves to the first occurrence and a
//    nonexistent one lands an hour early (its hour differs: skipped). East of UTC (Europe/*,
//    Australia/*) an ambiguous time resolves to the SECOND occurrence, and a nonexistent one in a
//    30-minute gap (Lord Howe) lands 30 minutes late in the same hour, so it fires.
//  - the repeated hour is found by "the next hour on the clock is two hours later", and its second
//    copy is the first copy plus one hour — right for a one-hour change west of UTC, not otherwise:
//    east of UTC most of the repeated hour never fires (Europe/London, every 20 minutes, fires 01:00
//    BST, 01:20 GMT, 02:40 GMT on the fall-back day); in Lord Howe a 01:15 fires again at 01:45.
// The evaluator uses this near transitions only (elsewhere both agree with plain wall-clock
// matching), and the DST plan (dst.ts) corrects the schedule to each dialect's meaning.
import { MAX_YEAR, type MatchTable } from './calendar.ts';
import { daysInMonth } from './duration.ts';
import { offsetFast, wallOf } from './timezone.ts';

const HOUR = 3_600_000;

/** Go's time.Date(y, mo, d, h, m, s, 0, tz) as an instant (ms); fields may overflow as in Go. */
function goDate(tz: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const o1 = offsetFast(tz, wall);
  // Go: if wall - o1 lies outside o1's zone period, the offset is looked up at wall - o1 instead
  return wall - offsetFast(tz, wall - o1);
}

/** The first instant (whole seconds) strictly after `afterMs` that Temporal fires for the calendar, or null. */
export function temporalNext(t: MatchTable, afterMs: number, tz: string): number | null {
  const ts = Math.floor(afterMs / 1000) * 1000;
  const w = wallOf(tz, ts);
  let y = w.getUTCFullYear();
  let mo = w.getUTCMonth() + 1;
  let d = w.getUTCDate();
  let h = w.getUTCHours();
  let mi = w.getUTCMinutes();
  let s = w.getUTCSeconds();
  // in the second copy of a repeated hour (as Temporal tells it: an hour ago the clock showed this hour)
  let dst = wallOf(tz, ts - HOUR).getUTCHours() === h ? HOUR : 0;
  s++;
  for (;;) {
    if (s >= 60) {
      mi++;
      s = 0;
    }
    if (mi >= 60) {
      const prev = goDate(tz, y, mo, d, h, 0, 0);
      h++;
      mi = 0;
      const next = goDate(tz, y, mo, d, h, 0, 0);
      if (dst === 0 && next - prev > HOUR) {
        h--;
        dst = HOUR;
      } else dst = 0;
    }
    if (h >= 24) {
      d++;
      h = 0;
    }
    if (d > daysInMonth(y, mo)) {
      mo++;
      d = 1;
    }
    if (mo > 12) {
      y++;
      mo = 1;
    }
    if (y > MAX_YEAR) return null;
    if (t.year && !t.year[y]) {
      y++;
      mo = 1;
      d = 1;
      h = mi = s = dst = 0;
      continue;
    }
    let again = false;
    while (!t.month[mo]) {
      mo++;
      d = 1;
      h = mi = s = dst = 0;
      if (mo > 12) {
        again = true;
        break;
      }
    }
    if (again) continue;
    while (!t.dom[d] || !t.dow[wallOf(tz, goDate(tz, y, mo, d, h, mi, s)).getUTCDay()]) {
      d++;
      h = mi = s = dst = 0;
      if (d > daysInMonth(y, mo)) {
        again = true;
        break;
      }
    }
    if (again) continue;
    while (!t.hour[h]) {
      h++;
      mi = s = dst = 0;
      if (h >= 24) {
        again = true;
        break;
      }
    }
    if (again) continue;
    while (!t.minute[mi]) {
      mi++;
      s = 0;
      if (mi >= 60) {
        again = true;
        break;
      }
    }
    if (again) continue;
    while (!t.second[s]) {
      s++;
      if (s >= 60) {
        again = true;
        break;
      }
    }
    if (again) continue;
    const nextTs = goDate(tz, y, mo, d, h, mi, s);
    // a nonexistent time that Go moved to another hour: Temporal skips it
    if (wallOf(tz, nextTs).getUTCHours() !== h) {
      h++;
      mi = s = 0;
      continue;
    }
    return nextTs + dst;
  }
}
