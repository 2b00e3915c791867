// A real HTTP server on loopback that records every request it gets: the target of http jobs in tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** How a test answers the requests to one path prefix. */
export type Route = (req: RecordedRequest, res: ServerResponse) => void;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface HttpTarget {
  url: string;
  requests: RecordedRequest[];
  /** Decide the response per request; default 200 "ok". */
  respond: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;
  close(): Promise<void>;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const target: HttpTarget = {
    url: '',
    requests: [],
    respond: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    },
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      };
      target.requests.push(rec);
      void Promise.resolve(target.respond(rec, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  target.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  target.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return target;
}

/**
 * A `respond` that answers each request by the first route whose path prefix it has (tests add
 * routes as they go), and `{"ok":true}` (200, JSON) to any other path.
 */
export function respondByPath(routes: ReadonlyMap<string, Route>): HttpTarget['respond'] {
  return (req, res) => {
    const key = [...routes.keys()].find((k) => req.path.startsWith(k));
    if (key) routes.get(key)?.(req, res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };
}
