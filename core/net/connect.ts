// Enforcement of the egress policy on every connection a job makes. The name is resolved here, every
// address it resolves to is checked, and the socket connects to the checked address: there is no
// second lookup a rebinding DNS server could answer differently. HTTP goes through an undici Agent
// whose connector does this, so each new connection — a redirect's included — is checked.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type RequestInfo, type RequestInit, type Response } from 'undici';
import { EgressDeniedError, type EgressPolicy } from './egress.ts';
import { egressPolicy } from './policy.ts';

/** A resolver: every address of a name (injectable so tests can play a rebinding or multi-answer DNS). */
export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: Lookup = async (hostname) => await dnsLookup(hostname, { all: true, verbatim: true });

export interface EgressOptions {
  policy?: EgressPolicy;
  lookup?: Lookup;
}

/**
 * Resolves `host` (a name or an IP literal, IPv6 with or without brackets), checks every address it
 * resolves to, and returns the one to connect to. Throws EgressDeniedError when any is denied: a name
 * that answers with an allowed and a denied address is refused, not tried on the allowed one.
 */
export async function resolveChecked(host: string, port: number, opts: EgressOptions = {}): Promise<string> {
  const policy = opts.policy ?? egressPolicy();
  const literal = host.replace(/^\[|\]$/g, '');
  if (isIP(literal)) {
    const d = policy.check(undefined, literal, port);
    if (!d.allowed) throw new EgressDeniedError(d.reason);
    return literal;
  }
  const answers = await (opts.lookup ?? systemLookup)(host);
  if (answers.length === 0) throw Object.assign(new Error(`${host}: no address`), { code: 'ENOTFOUND' });
  for (const a of answers) {
    const d = policy.check(host, a.address, port);
    if (!d.allowed) throw new EgressDeniedError(d.reason);
  }
  return answers[0]!.address;
}

/** An undici Agent whose every connection goes to a checked address (TLS still verifies the original name). */
export function egressAgent(opts: EgressOptions = {}): Agent {
  const base = buildConnector({});
  return new Agent({
    connect: (options, callback) => {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      const host = options.hostname.replace(/^\[|\]$/g, '');
      resolveChecked(host, port, opts).then(
        (address) =>
          // `host` (the Host header's name) stays, so undici derives SNI and the session key from it.
          base({ ...options, hostname: address, servername: options.servername ?? (isIP(host) ? undefined : host) }, callback),
        (err: Error) => callback(err, null),
      );
    },
  });
}

let agent: Agent | undefined;

/**
 * fetch for job traffic: undici's fetch through the egress agent. A refused connection rejects with
 * "fetch failed" whose cause is an EgressDeniedError (see egressDenial). Redirects are followed up to
 * the Fetch standard's 20, each new connection checked again.
 */
export async function egressFetch(input: RequestInfo, init: RequestInit = {}): Promise<Response> {
  agent ??= egressAgent();
  return await undiciFetch(input, { ...init, dispatcher: agent });
}

/**
 * A socket for node-postgres (`stream` option): its connect(port, host) resolves and checks `host`
 * first and connects to the checked address. node-postgres keeps using the original host for TLS
 * (servername and certificate check), so TLS works as before. A Unix socket path is refused: it
 * reaches this machine's services.
 */
export function egressSocket(opts: EgressOptions = {}): Socket {
  const socket = new Socket();
  const connect = socket.connect.bind(socket);
  const patched = (...args: unknown[]): Socket => {
    const [port, host] = args as [number | string, string | undefined];
    const fail = (err: Error) => process.nextTick(() => socket.destroy(err));
    if (typeof port === 'string' && Number.isNaN(Number(port))) {
      fail(new EgressDeniedError(`egress denied: ${port} is a local socket (always denied)`));
      return socket;
    }
    resolveChecked(host ?? 'localhost', Number(port), opts).then((address) => connect(Number(port), address), fail);
    return socket;
  };
  socket.connect = patched as Socket['connect'];
  return socket;
}
