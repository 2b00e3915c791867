import type { Calendar } from '../calendar.ts';

export interface CronResult {
  calendars: Calendar[];
  /** robfig's `@every`: a constant delay counted from when the schedule starts (whole seconds). */
  every?: { everyMs: number };
  /** From a `CRON_TZ=` / `TZ=` prefix. */
  timezone?: string;
}
