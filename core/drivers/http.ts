// The `http` driver's data: one HTTP request per attempt (activities/http.ts runs it).
import { z } from 'zod';
import { parseDurationMs } from '../duration.ts';
import { cappedString, LIMITS } from '../limits.ts';

export const HttpDataSchema = z
  .object({
    url: cappedString(LIMITS.url).pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
    query: z.record(cappedString(LIMITS.queryName), cappedString(LIMITS.headerValue)).default({}),
    headers: z.record(cappedString(LIMITS.headerName), cappedString(LIMITS.headerValue)).default({}),
    body: z.unknown().optional().describe('a string is sent as is; anything else as JSON'),
    acceptStatus: z.array(z.number().int().min(100).max(599)).min(1).optional().describe('default: any 2xx'),
    timeout: cappedString(LIMITS.instant)
      .refine((v) => (parseDurationMs(v) ?? 0) > 0, 'must be a positive duration such as "30s"')
      .optional()
      .describe('per attempt; default 30s'),
    timeoutMs: z.number().int().min(1).max(3_600_000).optional().describe('per attempt, in ms (same as timeout)'),
    maxCaptureBytes: z.number().int().min(0).max(1_048_576).default(65_536).describe('response body kept per run (FULL/ERROR history)'),
    finalStatus: z
      .array(z.number().int().min(100).max(599))
      .optional()
      .describe('non-accepted statuses that fail the run at once (no retry); when set, every other non-accepted status is retried'),
  })
  .strict();
export type HttpData = z.output<typeof HttpDataSchema>;
