// One entry point over the four cron dialects' parsers.
import type { CronDialect } from '../model.ts';
import { parseDapr } from './dapr.ts';
import { parseHangfire } from './hangfire.ts';
import { parseQuartz } from './quartz.ts';
import type { CronResult } from './types.ts';
import { parseUnix } from './unix.ts';

/** Parses one cron expression of the given dialect into exact calendars (and robfig's @every). */
export function parseCron(expression: string, dialect: CronDialect): CronResult {
  switch (dialect) {
    case 'unix':
      return parseUnix(expression);
    case 'quartz':
      return parseQuartz(expression);
    case 'dapr':
      return parseDapr(expression);
    case 'hangfire':
      return parseHangfire(expression);
  }
}
