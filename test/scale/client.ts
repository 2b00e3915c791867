// A round-robin client over the API instances, as a load balancer in front of them would be: each
// request goes to the next instance; a request that never reached one (connection refused: that
// instance is down) goes to the other. A request that was sent but never answered (the instance died
// under it) is ambiguous: it may have been applied. The caller says whether the operation is safe to
// send again (idempotent, or made so by a client-chosen id); only then is it retried elsewhere, and
// the answer of the retry is the operation's answer. Every answer is logged with its time, so that
// the test can tell which 5xx fell in a window where Temporal was down.
import type { ApiInstance } from './fleet.ts';

/** Which listener of an instance a request goes to. */
export type Port = 'main' | 'dapr' | 'fusion';

export interface Request {
  /** What the request is about (a job's key): its answers can be picked out of the log. */
  tag?: string;
  surface: string;
  kind: string;
  method: string;
  /** Below the chosen port's base URL. */
  path: string;
  port?: Port;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** Safe to send again after an unanswered attempt (its retry's answer then stands for it). */
  idempotent: boolean;
  timeoutMs?: number;
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
  instance: string;
  /** An earlier attempt was sent and not answered: the operation may have been applied by it. */
  retriedAfterUnanswered: boolean;
}

/** The operation's outcome: an answer, or none (sent, not answered, not safe to retry). */
export type Outcome = { answered: true; answer: Answer } | { answered: false; error: string };

export interface LoggedAnswer {
  at: number;
  tag?: string;
  /** 0: not answered (`body` holds the error). */
  instance: string;
  surface: string;
  kind: string;
  method: string;
  path: string;
  status: number;
  body: string;
  /** How long the attempt took. */
  ms: number;
}

export interface ClientStats {
  /** Requests sent to another instance because the chosen one refused the connection. */
  rerouted: number;
  /** Unanswered requests sent again (idempotent ones). */
  retried: number;
  /** Unanswered requests not sent again (not idempotent, or out of attempts): outcome unknown. */
  ambiguous: number;
  /** Why attempts went unanswered, by error code (ECONNREFUSED, ECONNRESET, TimeoutError, …). */
  unanswered: Record<string, number>;
}

const REFUSED = new Set(['ECONNREFUSED']);

function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: unknown; cause?: { code?: string; name?: string; message?: string } };
  // AbortSignal.timeout's DOMException has a numeric legacy code (23): its name says it.
  if (e.name === 'TimeoutError') return 'TimeoutError';
  return e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.cause?.name ?? e.name ?? String(err);
}

export class RoundRobin {
  private next = 0;
  readonly answers: LoggedAnswer[] = [];
  readonly stats: ClientStats = { rerouted: 0, retried: 0, ambiguous: 0, unanswered: {} };

  constructor(private readonly instances: ApiInstance[]) {}

  private base(i: ApiInstance, port: Port): string {
    return port === 'dapr' ? i.daprUrl : port === 'fusion' ? i.fusionUrl : i.url;
  }

  /** Sends one operation (bounded: at most 8 attempts, none started after 90 s). */
  async send(req: Request): Promise<Outcome> {
    const start = this.next++ % this.instances.length;
    let retried = false;
    let lastError = '';
    const deadline = Date.now() + 90_000;
    for (let attempt = 0; attempt < 8 && Date.now() < deadline; attempt++) {
      const inst = this.instances[(start + attempt) % this.instances.length] as ApiInstance;
      const headers: Record<string, string> = { ...req.headers };
      let body: string | undefined;
      if (req.body !== undefined) {
        body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
        headers['content-type'] ??= 'application/json';
      }
      const sent = Date.now();
      try {
        const res = await fetch(`${this.base(inst, req.port ?? 'main')}${req.path}`, {
          method: req.method,
          headers,
          body,
          // A load balancer's usual upstream timeout.
          signal: AbortSignal.timeout(req.timeoutMs ?? 60_000),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: keep the text */
        }
        this.answers.push({ at: Date.now(), ms: Date.now() - sent, tag: req.tag, instance: inst.name, surface: req.surface, kind: req.kind, method: req.method, path: req.path, status: res.status, body: text.slice(0, 300) });
        return { answered: true, answer: { status: res.status, body: parsed, headers: res.headers, instance: inst.name, retriedAfterUnanswered: retried } };
      } catch (err) {
        const code = errorCode(err);
        lastError = `${inst.name}: ${code}`;
        this.stats.unanswered[code] = (this.stats.unanswered[code] ?? 0) + 1;
        this.answers.push({ at: Date.now(), ms: Date.now() - sent, tag: req.tag, instance: inst.name, surface: req.surface, kind: req.kind, method: req.method, path: req.path, status: 0, body: code });
        if (REFUSED.has(code)) {
          // Never reached the instance: safe to send anywhere. Both refusing (a restart in progress
          // on one while the other is briefly unreachable) is waited out, bounded by the deadline.
          this.stats.rerouted++;
          if (attempt % 2 === 1) await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        if (!req.idempotent) {
          this.stats.ambiguous++;
          return { answered: false, error: lastError };
        }
        this.stats.retried++;
        retried = true;
      }
    }
    this.stats.ambiguous++;
    return { answered: false, error: `no answer: ${lastError}` };
  }

  /** Sends to one named instance (the final reads compare the instances). */
  async at(inst: ApiInstance, req: Omit<Request, 'idempotent'>): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { ...req.headers };
    const sent = Date.now();
    const res = await fetch(`${this.base(inst, req.port ?? 'main')}${req.path}`, { method: req.method, headers, signal: AbortSignal.timeout(req.timeoutMs ?? 60_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* text */
    }
    this.answers.push({ at: Date.now(), ms: Date.now() - sent, instance: inst.name, surface: req.surface, kind: req.kind, method: req.method, path: req.path, status: res.status, body: text.slice(0, 300) });
    return { status: res.status, body: parsed };
  }
}
