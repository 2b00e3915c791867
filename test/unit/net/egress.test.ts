import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ConfigError, loadConfig } from '../../../core/config.ts';
import { egressAgent, egressSocket, resolveChecked, type Lookup } from '../../../core/net/connect.ts';
import { egressDenial, EgressDeniedError, parseEgressEntries, type EgressPolicy } from '../../../core/net/egress.ts';
import { policyFromConfig } from '../../../core/net/policy.ts';
import { fetch as undiciFetch } from 'undici';

const LAN = '192.168.7.20';
const policy = (env: NodeJS.ProcessEnv = {}): EgressPolicy => policyFromConfig(loadConfig(env), [LAN, '127.0.0.1', '::1', 'fe80::1%eth0']);
const reason = (p: EgressPolicy, ip: string, port = 80, name?: string) => {
  const d = p.check(name, ip, port);
  return d.allowed ? undefined : d.reason;
};

describe('egress entries', () => {
  it('parses CIDRs, IPs, names, ports and port ranges', () => {
    const e = parseEgressEntries(' 10.0.0.0/8, 127.0.0.1:8080 ,[::1]:80-90, fd00::/8, db.internal:5432, *.corp.example,::1 ');
    assert.deepEqual(
      e.map((x) => [x.text, x.host.kind, x.ports]),
      [
        ['10.0.0.0/8', 'range', undefined],
        ['127.0.0.1:8080', 'range', [8080, 8080]],
        ['[::1]:80-90', 'range', [80, 90]],
        ['fd00::/8', 'range', undefined],
        ['db.internal:5432', 'name', [5432, 5432]],
        ['*.corp.example', 'name', undefined],
        ['::1', 'range', undefined],
      ],
    );
    assert.deepEqual(parseEgressEntries(''), []);
  });

  for (const bad of ['10.0.0.0/33', 'host:0', 'host:70000', 'host:90-80', 'a b', '[::1', '[::1]x', 'host:http', '10.1/8', '-bad-.example']) {
    it(`refuses '${bad}'`, () => assert.throws(() => parseEgressEntries(bad)));
  }

  it('config: the dev server ports and Web UI switch have defaults', () => {
    const cfg = loadConfig({});
    assert.deepEqual([cfg.temporal.httpPort, cfg.temporal.metricsPort, cfg.temporal.ui], [7243, 7244, true]);
    assert.equal(loadConfig({ KAIROS_TEMPORAL_UI: 'off' }).temporal.ui, false);
    assert.deepEqual(loadConfig({}).egress, { allow: [], deny: [] });
  });

  it('a bad entry is a config error naming the variable', () => {
    assert.throws(() => loadConfig({ KAIROS_EGRESS_ALLOW: '10.0.0.0/8,nope:port' }), (err: unknown) => err instanceof ConfigError && /KAIROS_EGRESS_ALLOW: 'nope:port'/.test(err.message));
    assert.throws(() => loadConfig({ KAIROS_EGRESS_DENY: '1.2.3.4/99' }), /KAIROS_EGRESS_DENY/);
    assert.throws(() => loadConfig({ KAIROS_TEMPORAL_UI: 'maybe' }), /KAIROS_TEMPORAL_UI: must be "on" or "off"/);
  });
});

describe('egress policy', () => {
  it('denies loopback, link-local, unspecified, multicast and broadcast by default; allows the rest', () => {
    const p = policy();
    assert.match(reason(p, '127.0.0.1')!, /127\.0\.0\.1:80 is loopback \(default deny; allow with KAIROS_EGRESS_ALLOW\)/);
    assert.match(reason(p, '127.8.9.10')!, /loopback/);
    assert.match(reason(p, '169.254.169.254')!, /link-local \(cloud metadata\)/);
    assert.match(reason(p, '0.0.0.0')!, /unspecified/);
    assert.match(reason(p, '224.0.0.1')!, /multicast/);
    assert.match(reason(p, '255.255.255.255')!, /broadcast/);
    assert.match(reason(p, '::1')!, /\[::1\]:80 is loopback/);
    assert.match(reason(p, '::')!, /unspecified/);
    assert.match(reason(p, 'fe80::1')!, /link-local/);
    assert.match(reason(p, 'ff02::1')!, /multicast/);
    assert.match(reason(p, 'fd00:ec2::254')!, /cloud metadata/);
    assert.match(reason(p, '100.100.100.200')!, /cloud metadata/);
    assert.equal(reason(p, '100.100.100.201'), undefined);
    for (const ok of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '8.8.8.8', '2001:db8::1', 'fd12::1']) assert.equal(reason(p, ok), undefined, ok);
  });

  it('sees IPv4 inside IPv6: mapped, compatible, NAT64, 6to4', () => {
    const p = policy();
    for (const ip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '::ffff:0:169.254.169.254']) {
      assert.ok(reason(p, ip), ip);
    }
    assert.equal(reason(p, '::ffff:10.0.0.1'), undefined);
  });

  it('always denies the Temporal and Kairos endpoints on local addresses, whatever the allow list says', () => {
    const p = policy({
      KAIROS_EGRESS_ALLOW: '127.0.0.0/8,::1,0.0.0.0/0,::/0,localhost',
      KAIROS_PORT: '8080',
      KAIROS_DAPR_PORT: '3500',
      KAIROS_DAPR_API_TOKEN: 't',
      KAIROS_FUSION_PORT: '9000',
    });
    assert.match(reason(p, '127.0.0.1', 7233)!, /127\.0\.0\.1:7233 is the Temporal frontend \(always denied\)/);
    assert.match(reason(p, '127.0.0.1', 8233)!, /the Temporal Web UI \(always denied\)/);
    assert.match(reason(p, '127.0.0.1', 7243)!, /the Temporal HTTP API/);
    assert.match(reason(p, '127.0.0.1', 7244)!, /the Temporal metrics endpoint/);
    assert.match(reason(p, '::ffff:127.0.0.1', 8080)!, /the Kairos API/);
    assert.match(reason(p, '::1', 3500)!, /the Kairos Dapr port/);
    assert.match(reason(p, '0.0.0.0', 9000)!, /the Kairos Fusion port/);
    assert.match(reason(p, LAN, 8080)!, /the Kairos API/, "this machine's own address");
    assert.match(reason(p, '127.0.0.1', 8233, 'localhost')!, /localhost:8233 \(127\.0\.0\.1\) is the Temporal Web UI/);
    // allowed: loopback on another port, another machine on the Kairos port
    assert.equal(reason(p, '127.0.0.1', 5432), undefined);
    assert.equal(reason(p, '10.0.0.9', 8080), undefined);
  });

  it('denies an external TEMPORAL_ADDRESS and a configured KAIROS_HOST', () => {
    const p = policy({ TEMPORAL_ADDRESS: 'temporal.corp.example:7233', KAIROS_HOST: '10.0.0.5', KAIROS_PORT: '8443' });
    assert.match(p.checkUrl('http://temporal.corp.example:7233/')!, /the Temporal frontend \(TEMPORAL_ADDRESS\)/);
    assert.match(reason(p, '10.0.0.7', 7233, 'temporal.corp.example')!, /TEMPORAL_ADDRESS/);
    assert.match(reason(p, '10.0.0.5', 8443)!, /the Kairos API/);
    assert.equal(reason(p, '10.0.0.6', 8443), undefined);
  });

  it('deny beats allow, allow beats default deny, ports and names match', () => {
    const p = policy({ KAIROS_EGRESS_ALLOW: '127.0.0.1:8000-8099,169.254.0.0/16,api.internal', KAIROS_EGRESS_DENY: '169.254.169.254,10.0.0.0/8:22,*.evil.example' });
    assert.equal(reason(p, '127.0.0.1', 8000), undefined);
    assert.equal(reason(p, '127.0.0.1', 8099), undefined);
    assert.match(reason(p, '127.0.0.1', 8100)!, /loopback \(default deny/);
    assert.equal(reason(p, '169.254.1.1'), undefined);
    assert.match(reason(p, '169.254.169.254')!, /matches KAIROS_EGRESS_DENY entry '169\.254\.169\.254'/);
    assert.match(reason(p, '10.1.1.1', 22)!, /KAIROS_EGRESS_DENY entry '10\.0\.0\.0\/8:22'/);
    assert.equal(reason(p, '10.1.1.1', 23), undefined);
    assert.match(reason(p, '8.8.8.8', 443, 'x.evil.example')!, /\*\.evil\.example/);
    assert.equal(reason(p, '127.0.0.1', 80, 'api.internal'), undefined, 'an allowed name may resolve to loopback');
    assert.match(reason(p, '127.0.0.1', 80, 'other.internal')!, /loopback/);
  });

  it('allows the operator-configured destinations, never an always-denied endpoint', () => {
    const p = policy({ KAIROS_VOLTMX_SERVER_URL: 'http://127.0.0.1:9100', KAIROS_DAPR_APP_URLS: 'a=http://localhost:9200', KAIROS_DAPR_APP_URL: 'http://127.0.0.1:8080' });
    assert.equal(p.checkUrl('http://127.0.0.1:9100/services/x'), undefined);
    assert.equal(p.checkUrl('http://localhost:9200/job/x'), undefined);
    assert.match(p.checkUrl('http://127.0.0.1:9101/')!, /loopback/);
    assert.match(p.checkUrl('http://127.0.0.1:8080/')!, /the Kairos API \(always denied\)/);
  });

  it('checks URLs as written at save', () => {
    const p = policy({ KAIROS_EGRESS_DENY: 'blocked.example' });
    assert.match(p.checkUrl('http://169.254.169.254/latest/meta-data/')!, /169\.254\.169\.254:80 is link-local/);
    assert.match(p.checkUrl('http://[::1]:8233/api/v1/namespaces/default/schedules')!, /\[::1\]:8233 is the Temporal Web UI/);
    assert.match(p.checkUrl('http://[::ffff:127.0.0.1]/')!, /loopback/);
    assert.match(p.checkUrl('http://localhost:8233/')!, /Temporal Web UI/);
    assert.match(p.checkUrl('http://LOCALHOST./')!, /loopback/);
    assert.match(p.checkUrl('http://foo.localhost/')!, /loopback/);
    assert.match(p.checkUrl('http://2130706433/')!, /127\.0\.0\.1:80 is loopback/, 'URL parsing normalizes numeric hosts');
    assert.match(p.checkUrl('https://0x7f.1/')!, /127\.0\.0\.1:443/);
    assert.match(p.checkUrl('https://Blocked.Example/x')!, /KAIROS_EGRESS_DENY entry 'blocked\.example'/);
    assert.equal(p.checkUrl('https://example.com/'), undefined, 'names are checked when resolved, at run time');
    assert.equal(p.checkUrl('http://10.0.0.1/'), undefined);
  });
});

describe('egress connector', () => {
  const p = policy({ KAIROS_EGRESS_ALLOW: '203.0.113.0/24' });
  const dns = (answers: Record<string, string[][]>): Lookup => {
    const calls: Record<string, number> = {};
    return async (host) => {
      const i = calls[host] ?? 0;
      calls[host] = i + 1;
      const list = answers[host]?.[Math.min(i, answers[host].length - 1)] ?? [];
      return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  };

  it('refuses a name when any of its addresses is denied', async () => {
    const lookup = dns({ 'multi.example': [['203.0.113.5', '127.0.0.1']], 'v6.example': [['203.0.113.5', '::ffff:169.254.169.254']] });
    await assert.rejects(resolveChecked('multi.example', 80, { policy: p, lookup }), (err: unknown) => err instanceof EgressDeniedError && /multi\.example:80 \(127\.0\.0\.1\) is loopback/.test(err.message));
    await assert.rejects(resolveChecked('v6.example', 80, { policy: p, lookup }), /link-local/);
    assert.equal(await resolveChecked('[2001:db8::1]', 80, { policy: p, lookup }), '2001:db8::1');
  });

  it('resolves once per connection and connects to the checked address (a rebinding name is caught)', async () => {
    // A real server on loopback stands for the allowed address: the lookup answers it first, then
    // loopback. The allow list admits only that port, so the second answer is refused.
    const server = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const allowOnePort = policy({ KAIROS_EGRESS_ALLOW: `127.0.0.1:${port}` });
      let lookups = 0;
      const answers = ['127.0.0.1', '169.254.169.254'];
      const lookup: Lookup = async () => [{ address: answers[Math.min(lookups++, 1)]!, family: 4 }];
      const dispatcher = egressAgent({ policy: allowOnePort, lookup });
      const res = await undiciFetch(`http://rebind.example:${port}/`, { dispatcher });
      assert.equal(await res.text(), 'hello');
      assert.equal(lookups, 1, 'one lookup for the connection; no second one by the socket');
      await dispatcher.close();
      const again = egressAgent({ policy: allowOnePort, lookup });
      const err = await undiciFetch(`http://rebind.example:${port}/`, { dispatcher: again }).catch((e: unknown) => e);
      assert.match(egressDenial(err)?.message ?? '', /rebind\.example:\d+ \(169\.254\.169\.254\) is link-local/);
      await again.close();
    } finally {
      server.close();
    }
  });

  it('checks IP literals and redirects', async () => {
    const target = createServer((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const port = (target.address() as { port: number }).port;
    try {
      const dispatcher = egressAgent({ policy: policy({ KAIROS_EGRESS_ALLOW: `127.0.0.1:${port}` }) });
      const err = await undiciFetch(`http://127.0.0.1:${port}/`, { dispatcher }).catch((e: unknown) => e);
      assert.match(egressDenial(err)?.message ?? '', /169\.254\.169\.254:80 is link-local/);
      const direct = await undiciFetch(`http://[::1]:${port}/`, { dispatcher }).catch((e: unknown) => e);
      assert.match(egressDenial(direct)?.message ?? '', /\[::1\]:\d+ is loopback/);
      await dispatcher.close();
    } finally {
      target.close();
    }
  });

  it('a PostgreSQL socket checks its host and refuses Unix sockets', async () => {
    const s = egressSocket({ policy: p, lookup: dns({ 'db.example': [['127.0.0.1']] }) });
    const failed = new Promise<Error>((r) => s.once('error', r));
    s.connect(5432, 'db.example');
    assert.match((await failed).message, /db\.example:5432 \(127\.0\.0\.1\) is loopback/);
    const u = egressSocket({ policy: p });
    const failedU = new Promise<Error>((r) => u.once('error', r));
    u.connect('/var/run/postgresql/.s.PGSQL.5432' as unknown as number);
    assert.match((await failedU).message, /local socket/);
  });
});
