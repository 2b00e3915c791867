// The HTTP target every benchmark job calls: `/hit/<jobId>`. It records when each request arrived
// (wall clock, to compare with scheduled times; and performance.now(), for latencies measured in
// this process) and lets a benchmark wait for the next hit of a job.
import { createServer, type Server } from 'node:http';

export interface Hit {
  jobId: string;
  /** Date.now() at arrival. */
  wall: number;
  /** performance.now() at arrival. */
  mono: number;
}

export interface BenchTarget {
  url: string;
  /** The job URL for an id. */
  urlFor(jobId: string): string;
  /** Called for every hit (benchmarks set and clear it). */
  onHit: ((hit: Hit) => void) | null;
  /** Resolves at the next hit of this job (or rejects after timeoutMs). */
  next(jobId: string, timeoutMs?: number): Promise<Hit>;
  close(): Promise<void>;
}

export async function startBenchTarget(): Promise<BenchTarget> {
  const waiters = new Map<string, (hit: Hit) => void>();
  const target: BenchTarget = {
    url: '',
    urlFor: (jobId) => `${target.url}/hit/${encodeURIComponent(jobId)}`,
    onHit: null,
    next(jobId, timeoutMs = 60_000) {
      return new Promise<Hit>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(jobId);
          reject(new Error(`no hit for ${jobId} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(jobId, (hit) => {
          clearTimeout(timer);
          resolve(hit);
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const hit: Hit = { jobId: '', wall: Date.now(), mono: performance.now() };
    const m = /^\/hit\/([^/?]+)/.exec(req.url ?? '');
    hit.jobId = m?.[1] ? decodeURIComponent(m[1]) : '';
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    target.onHit?.(hit);
    const w = waiters.get(hit.jobId);
    if (w) {
      waiters.delete(hit.jobId);
      w(hit);
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  target.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return target;
}
