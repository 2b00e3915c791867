// Driver registry: job `type` → the activity that runs it and the zod schema its `data` must match.
// The job service validates `data` against the schema at save time, so a bad config is a 400 when
// the job is saved, not a failed run later.
import type { z } from 'zod';
import { http, HttpDataSchema } from './http.ts';

export interface DriverDefinition {
  type: string;
  description: string;
  dataSchema: z.ZodType;
}

export const DRIVERS: readonly DriverDefinition[] = [
  { type: 'http', description: 'an HTTP request to a URL', dataSchema: HttpDataSchema },
];

/** The activities a worker registers: one per driver, named after the job type. */
export const activities = { http };

export function driverFor(type: string): DriverDefinition | undefined {
  return DRIVERS.find((d) => d.type === type);
}
