// The egress policy of this process, built from its configuration: the allow/deny lists, the
// endpoints always denied (Temporal's and Kairos's own), and the destinations the operator configured.
import { networkInterfaces } from 'node:os';
import { loadConfig, type Config } from '../config.ts';
import { EgressPolicy, hostMatcher, isLocalHost, localHosts, type AlwaysDenied, type ConfiguredDestination } from './egress.ts';

/** The addresses of this machine's interfaces (the API may listen on all of them). */
export function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** host:port of TEMPORAL_ADDRESS (IPv6 in brackets); undefined when it has no port. */
function splitHostPort(address: string): { host: string; port: number } | undefined {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: address.slice(0, i), port };
}

const defaultPort = (u: URL) => Number(u.port) || (u.protocol === 'https:' ? 443 : 80);

/** Builds the policy from a configuration; `localAddresses` are this machine's addresses. */
export function policyFromConfig(cfg: Config, localAddresses: readonly string[] = interfaceAddresses()): EgressPolicy {
  const local = localHosts(localAddresses);
  const configuredHost = hostMatcher(cfg.host);
  // Kairos's host: loopback and this machine's addresses, and KAIROS_HOST as configured.
  const here = configuredHost ? [...local, configuredHost] : local;
  const alwaysDenied: AlwaysDenied[] = [];
  const deny = (label: string, port: number | undefined, hosts = here) => {
    if (port !== undefined) alwaysDenied.push({ label, port, hosts });
  };
  // The dev server `npm start` runs listens on loopback; denied whether or not this process started it.
  deny('the Temporal frontend', cfg.temporal.port, local);
  deny('the Temporal Web UI', cfg.temporal.uiPort, local);
  deny('the Temporal HTTP API', cfg.temporal.httpPort, local);
  deny('the Temporal metrics endpoint', cfg.temporal.metricsPort, local);
  for (const port of cfg.temporal.internalPorts) deny('an internal port of the Temporal cluster', port, local);
  const temporal = splitHostPort(cfg.temporal.address);
  if (temporal) {
    const matcher = hostMatcher(temporal.host);
    if (isLocalHost(temporal.host)) deny('the Temporal frontend', temporal.port, local);
    else if (matcher) deny('the Temporal frontend (TEMPORAL_ADDRESS)', temporal.port, [matcher]);
  }
  deny('the Kairos API', cfg.port);
  deny('the Kairos Dapr port', cfg.dapr.port);
  deny('the Kairos Fusion port', cfg.fusionPort);
  deny('the Kairos API metrics endpoint', cfg.metrics.api?.port);
  deny('the Kairos worker metrics endpoint', cfg.metrics.worker?.port);

  const configured: ConfiguredDestination[] = [];
  const add = (variable: string, url: string | undefined) => {
    if (!url) return;
    const u = new URL(url);
    const host = hostMatcher(u.hostname);
    if (host) configured.push({ variable, host, port: defaultPort(u) });
  };
  add('KAIROS_DAPR_APP_URL', cfg.dapr.appUrl);
  for (const [appId, url] of Object.entries(cfg.dapr.appUrls)) add(`KAIROS_DAPR_APP_URLS (${appId})`, url);
  add('KAIROS_VOLTMX_SERVER_URL', cfg.voltmx.serverUrl);

  return new EgressPolicy({ allow: cfg.egress.allow, deny: cfg.egress.deny, alwaysDenied, configured });
}

let current: EgressPolicy | undefined;

/** Sets this process's policy from the configuration it started with (the API and worker entry points). */
export function configureEgress(cfg: Config): void {
  current = policyFromConfig(cfg);
}

/**
 * This process's policy: the one configureEgress set, else built on first use from the environment
 * (what loadConfig() reads at start anyway). Both the worker (enforcing) and the API (checking at
 * save) need the egress variables and the Temporal and Kairos ports in their environment.
 */
export function egressPolicy(): EgressPolicy {
  current ??= policyFromConfig(loadConfig());
  return current;
}
