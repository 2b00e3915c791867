// The egress policy: which addresses a job may connect to. Pure (no I/O): the caller resolves names
// (core/net/connect.ts) and asks about each address, or asks about a URL as written (at save).
//
// Order of the rules, first match wins:
//   1. always denied: the Temporal and Kairos endpoints, on any local address and on the configured
//      host (whoever reaches them holds the namespace or acts as Kairos itself);
//   2. KAIROS_EGRESS_DENY entries;
//   3. KAIROS_EGRESS_ALLOW entries, then the destinations the operator configured (Dapr app URLs,
//      the Volt MX server URL);
//   4. default deny: loopback, link-local (cloud metadata), unspecified, multicast, broadcast — also
//      when embedded in an IPv6 address (IPv4-mapped, -compatible, NAT64, 6to4);
//   5. everything else is allowed (private networks are where internal services live).
import ipaddr from 'ipaddr.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Addr, number];

/** A host part of an entry: an address range, or a name (`*.example.com` matches its subdomains). */
type HostMatcher = { kind: 'range'; range: Range } | { kind: 'name'; name: string; subdomains: boolean };

/** One entry of KAIROS_EGRESS_ALLOW / KAIROS_EGRESS_DENY, e.g. `10.0.0.0/8`, `db.internal:5432`, `[::1]:8000-8099`. */
export interface EgressEntry {
  /** The entry as written, quoted in refusals. */
  text: string;
  host: HostMatcher;
  /** Inclusive port range; undefined: any port. */
  ports?: [number, number];
}

/** An endpoint denied whatever the allow list says. */
export interface AlwaysDenied {
  label: string;
  port: number;
  hosts: HostMatcher[];
}

/** A destination the operator configured (allowed like an allow entry). */
export interface ConfiguredDestination {
  variable: string;
  host: HostMatcher;
  port: number;
}

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

/** A connection the policy refused; `message` names the rule. */
export class EgressDeniedError extends Error {
  override readonly name = 'EgressDenied';
  readonly code = 'EGRESS_DENIED';
}

/** The EgressDeniedError somewhere in an error's cause chain (undici wraps connector errors in "fetch failed"). */
export function egressDenial(err: unknown): EgressDeniedError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressDeniedError) return e;
  }
  return undefined;
}

const range = (cidr: string): Range => ipaddr.parseCIDR(cidr);
const LOCAL_RANGES: readonly Range[] = ['127.0.0.0/8', '::1/128', '0.0.0.0/8', '::/128'].map(range);
/**
 * Cloud metadata services outside link-local, named here: AWS's IPv6 one is unique-local, Alibaba's
 * is in the carrier-grade NAT range.
 */
const METADATA: readonly Range[] = ['fd00:ec2::254/128', '100.100.100.200/32'].map(range);
const DEFAULT_DENY_V4: Record<string, string> = {
  loopback: 'loopback',
  linkLocal: 'link-local (cloud metadata)',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};
const DEFAULT_DENY_V6: Record<string, string> = {
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
};

/** An IP literal (IPv6 without brackets); IPv4 only in its dotted four-part form (what `new URL` produces). */
function parseIp(text: string): Addr | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/**
 * The address and any IPv4 address embedded in it (IPv4-mapped or -translated, IPv4-compatible,
 * NAT64, 6to4): `::ffff:127.0.0.1` is loopback as much as `127.0.0.1` is.
 */
function forms(addr: Addr): Addr[] {
  if (addr.kind() === 'ipv4') return [addr];
  const v6 = addr as ipaddr.IPv6;
  const r = v6.range();
  const bytes = v6.toByteArray();
  const v4At = (i: number) => new ipaddr.IPv4(bytes.slice(i, i + 4));
  if (r === 'ipv4Mapped') return [v6.toIPv4Address(), v6];
  if (r === 'rfc6145' || r === 'rfc6052') return [v6, v4At(12)];
  if (r === '6to4') return [v6, v4At(2)];
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are themselves
  if (bytes.slice(0, 12).every((b) => b === 0) && r !== 'unspecified' && r !== 'loopback') return [v6, v4At(12)];
  return [v6];
}

const inRange = (a: Addr, r: Range): boolean => a.kind() === r[0].kind() && a.match(r);

function hostMatches(m: HostMatcher, name: string | undefined, addrs: readonly Addr[]): boolean {
  if (m.kind === 'range') return addrs.some((a) => inRange(a, m.range));
  if (name === undefined) return false;
  return name === m.name || (m.subdomains && name.endsWith(`.${m.name}`));
}

const normalizeName = (name: string): string => name.toLowerCase().replace(/\.$/, '');
const isLocalhostName = (name: string): boolean => name === 'localhost' || name.endsWith('.localhost');

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const PORTS = /^(\d{1,5})(?:-(\d{1,5}))?$/;

function parseHost(text: string): HostMatcher | undefined {
  const cidr = text.includes('/');
  if (cidr) {
    const [ip, bits] = text.split('/', 2) as [string, string];
    if (!parseIp(ip) || !/^\d{1,3}$/.test(bits) || !ipaddr.isValidCIDR(text)) return undefined;
    return { kind: 'range', range: ipaddr.parseCIDR(text) };
  }
  const ip = parseIp(text);
  if (ip) return { kind: 'range', range: [ip, ip.kind() === 'ipv4' ? 32 : 128] };
  const name = normalizeName(text);
  const subdomains = name.startsWith('*.');
  const bare = subdomains ? name.slice(2) : name;
  if (bare.length === 0 || bare.length > 253 || !bare.split('.').every((l) => LABEL.test(l))) return undefined;
  return { kind: 'name', name: bare, subdomains };
}

/**
 * Parses a comma-separated list of entries: CIDRs, IPs, host names (`*.corp.example` for subdomains),
 * each optionally with `:port` or `:port-port` (IPv6 in brackets: `[::1]:80`). Throws on a bad entry.
 */
export function parseEgressEntries(text: string | undefined): EgressEntry[] {
  const out: EgressEntry[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    let host = entry;
    let portText: string | undefined;
    if (entry.startsWith('[')) {
      const end = entry.indexOf(']');
      const rest = end < 0 ? '' : entry.slice(end + 1);
      if (end < 0 || (rest !== '' && !rest.startsWith(':'))) throw new Error(`'${entry}' is not a valid entry`);
      host = entry.slice(1, end);
      portText = rest ? rest.slice(1) : undefined;
    } else if (entry.indexOf(':') !== entry.lastIndexOf(':')) {
      host = entry; // a bare IPv6 address or range: no port (use brackets for one)
    } else if (entry.includes(':')) {
      host = entry.slice(0, entry.indexOf(':'));
      portText = entry.slice(entry.indexOf(':') + 1);
    }
    const matcher = parseHost(host);
    if (!matcher) throw new Error(`'${entry}' is not a CIDR, an IP or a host name`);
    let ports: [number, number] | undefined;
    if (portText !== undefined) {
      const m = PORTS.exec(portText);
      const lo = Number(m?.[1]);
      const hi = m?.[2] === undefined ? lo : Number(m[2]);
      if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`'${entry}' has no valid port or port range (1-65535)`);
      ports = [lo, hi];
    }
    out.push({ text: entry, host: matcher, ports });
  }
  return out;
}

const portIn = (port: number, ports?: [number, number]) => !ports || (port >= ports[0] && port <= ports[1]);

/** What the policy is built from (core/config.ts supplies it; see EgressPolicy.fromConfig in core/net/policy.ts). */
export interface EgressPolicyOptions {
  allow: EgressEntry[];
  deny: EgressEntry[];
  alwaysDenied: AlwaysDenied[];
  configured: ConfiguredDestination[];
}

export class EgressPolicy {
  constructor(private readonly opts: EgressPolicyOptions) {}

  /**
   * Whether a connection to `ip:port` may be made; `name` is the host name it was resolved from
   * (name entries match it), undefined for an IP literal.
   */
  check(name: string | undefined, ip: string, port: number): EgressDecision {
    const addr = parseIp(ip.replace(/^\[|\]$/g, ''));
    if (!addr) return { allowed: false, reason: `egress denied: '${ip}' is not an IP address` };
    return this.decide(name === undefined ? undefined : normalizeName(name), forms(addr), port, describe(name, addr, port));
  }

  /**
   * The save-time check of a URL as written: refuses what the syntax alone shows is denied (an IP
   * literal, `localhost`, a denied name, an always-denied endpoint). Other names pass here; the
   * connection checks what they resolve to at run time. Returns undefined when not refused.
   */
  checkUrl(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined; // the schema reports a malformed URL
    }
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const ip = parseIp(host);
    if (ip) return denied(this.check(undefined, host, port));
    const name = normalizeName(host);
    // localhost names never reach DNS (RFC 6761): judge them as the loopback addresses they are.
    if (isLocalhostName(name)) return denied(this.check(name, '127.0.0.1', port)) ?? denied(this.check(name, '::1', port));
    return denied(this.decide(name, [], port, `${name}:${port}`));
  }

  private decide(name: string | undefined, addrs: Addr[], port: number, target: string): EgressDecision {
    for (const ep of this.opts.alwaysDenied) {
      if (port === ep.port && ep.hosts.some((h) => hostMatches(h, name, addrs))) {
        return { allowed: false, reason: `egress denied: ${target} is ${ep.label} (always denied)` };
      }
    }
    for (const e of this.opts.deny) {
      if (portIn(port, e.ports) && hostMatches(e.host, name, addrs)) {
        return { allowed: false, reason: `egress denied: ${target} matches KAIROS_EGRESS_DENY entry '${e.text}'` };
      }
    }
    if (this.opts.allow.some((e) => portIn(port, e.ports) && hostMatches(e.host, name, addrs))) return { allowed: true };
    if (this.opts.configured.some((c) => c.port === port && hostMatches(c.host, name, addrs))) return { allowed: true };
    for (const a of addrs) {
      const cls = METADATA.some((r) => inRange(a, r)) ? 'cloud metadata' : a.kind() === 'ipv4' ? DEFAULT_DENY_V4[a.range()] : DEFAULT_DENY_V6[a.range()];
      if (cls) return { allowed: false, reason: `egress denied: ${target} is ${cls} (default deny; allow with KAIROS_EGRESS_ALLOW)` };
    }
    return { allowed: true };
  }
}

const denied = (d: EgressDecision): string | undefined => (d.allowed ? undefined : d.reason);

function describe(name: string | undefined, addr: Addr, port: number): string {
  const ip = addr.kind() === 'ipv6' ? `[${addr.toString()}]` : addr.toString();
  return name === undefined ? `${ip}:${port}` : `${name}:${port} (${addr.toString()})`;
}

/** Host matchers for "this machine": loopback, unspecified, the given interface addresses, `localhost`. */
export function localHosts(localAddresses: readonly string[]): HostMatcher[] {
  const out: HostMatcher[] = LOCAL_RANGES.map((r) => ({ kind: 'range', range: r }));
  out.push({ kind: 'name', name: 'localhost', subdomains: true });
  for (const a of localAddresses) {
    // An interface address may carry a zone (`fe80::1%eth0`): the address is what precedes it.
    const zone = a.indexOf('%');
    const ip = parseIp(zone < 0 ? a : a.slice(0, zone));
    if (ip) out.push({ kind: 'range', range: [ip, ip.kind() === 'ipv4' ? 32 : 128] });
  }
  return out;
}

/** A host as written in configuration (name or IP literal, IPv6 with or without brackets). */
export function hostMatcher(host: string): HostMatcher | undefined {
  return parseHost(host.replace(/^\[|\]$/g, ''));
}

/** Whether a host as written is a local one (loopback, unspecified, `localhost`). */
export function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  const ip = parseIp(h);
  return ip ? forms(ip).some((a) => LOCAL_RANGES.some((r) => inRange(a, r))) : isLocalhostName(normalizeName(h));
}
