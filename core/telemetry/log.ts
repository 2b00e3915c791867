// The JSON log of every Kairos process (pino): one object per line with `time`, `level` (a number,
// pino's), `svc`, `msg` and the fields of what it is about — `requestId`, `jobId`, `runId` where one
// exists. The level is KAIROS_LOG_LEVEL.
import { pino, type Logger } from 'pino';

/** A process's logger; `svc` names the process (kairos-api, kairos-worker). */
export function createLogger(level: string, svc: string): Logger {
  return pino({
    level,
    base: { svc },
    // Defence in depth: should a credential ever reach a log call, it is masked.
    redact: {
      paths: ['*.authorization', '*.password', '*.key', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  });
}
