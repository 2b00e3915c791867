// An HTTP endpoint that takes batches: POST (or PUT) of a JSON array or NDJSON. Each request carries
// `Idempotency-Key: <run>:<first record>` — the same key when a retry resends the same batch — so a
// receiver that remembers keys ends with every record once. 4xx (but 408, 425, 429) fails the run;
// other failures are retried and the retry resumes from the checkpoint.
import type { Response } from 'undici';
import { egressFetch } from '../../../core/net/connect.ts';
import { egressDenial } from '../../../core/net/egress.ts';
import { errorText, final, httpStatusFailure, retryable } from '../failures.ts';
import type { SinkSpec } from '../../../core/drivers/datasource.ts';
import type { Batch, Sink } from './types.ts';

type HttpSinkSpec = Extract<SinkSpec, { kind: 'http' }>;

export function httpSink(spec: HttpSinkSpec): Sink {
  const url = new URL(spec.url);
  const where = `${spec.method} ${url.origin}${url.pathname}`;
  const contentType = spec.format === 'json' ? 'application/json' : 'application/x-ndjson';
  return {
    async write(batch: Batch) {
      if (batch.rows.length === 0) return;
      const body = spec.format === 'json' ? JSON.stringify(batch.rows) : batch.rows.map((r) => `${JSON.stringify(r)}\n`).join('');
      let res: Response;
      try {
        res = await egressFetch(url, {
          method: spec.method,
          headers: {
            'user-agent': 'kairos',
            'content-type': contentType,
            ...spec.headers,
            'idempotency-key': batch.id,
            'x-kairos-batch-records': String(batch.rows.length),
          },
          body,
          signal: AbortSignal.timeout(spec.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        const denied = egressDenial(err);
        if (denied) throw final(denied.message, 'EgressDenied');
        throw retryable(`${where} failed: ${errorText(err)}`, 'SinkUnavailable');
      }
      if (!res.ok) throw httpStatusFailure(res.status, where, 'SinkRejected');
    },
    position: () => ({}),
    close: async () => {},
  };
}
