/**
 * kube-proxy's nftables mode read into the service model: one cluster in every layout from 1.29
 * to master (tests/fixtures/nftables, README there), as `nft list`, `nft -a list` and `nft -j
 * list` print it, gives one model — the model the iptables reader gives for the same cluster in
 * iptables mode. Also the scaled pair, the partial sync, IPv6, both families in one ruleset, and
 * corpus 07 (k3s) and 08 (kubeadm 1.32, cut).
 */
import { InputError } from '../lib/errors';
import type { ServiceModel, ServicePort } from '../lib/model/service';
import { describeNftables, looksLikeNftables, nftablesServiceNames, readNftables } from '../lib/parse/nftables';
import { diffChains, type ChainSide } from '../lib/diff/diff-chains';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { writeRestorePayload, type ClusterSpec } from './support/kube-proxy-writer';
import { fixture, port } from './support/snapshots';
import { identityKey, type ChainIdentity, type ServiceView } from '../lib/model/snapshot';

const keyOf = (id: ChainIdentity | undefined): string | undefined => id && identityKey(id);

const LAYOUTS = ['k8s-1.29', 'k8s-1.30-1.33', 'k8s-1.34-1.35', 'k8s-1.36', 'k8s-master'];
const FORMATS = ['list.txt', 'list-a.txt', 'json'];

function describe_(text: string, source: string, options: { allowTruncated?: boolean; tables?: ReadonlySet<string> } = {}): ServiceView {
  const dump = readNftables(text, { source, allowTruncated: options.allowTruncated });
  return describeNftables(dump, { source, candidateNames: nftablesServiceNames(dump), tables: options.tables });
}

function view(file: string, dir = 'nftables', allowTruncated = false): ServiceView {
  return describe_(fixture(dir, file), file, { allowTruncated });
}

/** What a port means, without the dataplane's own names (chains, buckets), which differ by layout and mode. */
function meaning(p: ServicePort) {
  const eps = (list: ServicePort['endpoints'] | null) => list && list.map((e) => [e.address, Math.round(e.share * 1e6) / 1e6]);
  return {
    key: p.key, name: p.name, protocol: p.protocol, clusterIP: p.clusterIP, port: p.port, nodePorts: p.nodePorts, externalIPs: p.externalIPs, loadBalancerIPs: p.loadBalancerIPs,
    endpoints: eps(p.endpoints), localEndpoints: eps(p.localEndpoints), affinitySeconds: p.affinitySeconds, noEndpoints: p.noEndpoints, noLocalEndpoints: p.noLocalEndpoints,
  };
}

const meanings = (m: ServiceModel) => m.ports.map(meaning);

/** The fixture README's cluster. */
const CLUSTER = [
  { key: 'default/empty:http/tcp', name: 'default/empty:http', protocol: 'tcp', clusterIP: '10.96.100.30', port: 80, nodePorts: [], externalIPs: [], loadBalancerIPs: [], endpoints: [], localEndpoints: null, affinitySeconds: null, noEndpoints: 'reject', noLocalEndpoints: false },
  {
    key: 'default/lb-local:https/tcp', name: 'default/lb-local:https', protocol: 'tcp', clusterIP: '10.96.100.40', port: 443, nodePorts: [31443], externalIPs: [], loadBalancerIPs: ['203.0.113.50'],
    endpoints: [['10.244.1.20:8443', 0.5], ['10.244.2.21:8443', 0.5]], localEndpoints: [['10.244.1.20:8443', 1]], affinitySeconds: null, noEndpoints: null, noLocalEndpoints: false,
  },
  {
    key: 'default/web:http/tcp', name: 'default/web:http', protocol: 'tcp', clusterIP: '10.96.100.20', port: 80, nodePorts: [30080], externalIPs: [], loadBalancerIPs: [],
    endpoints: [['10.244.1.10:8080', 0.5], ['10.244.2.11:8080', 0.5]], localEndpoints: null, affinitySeconds: 10800, noEndpoints: null, noLocalEndpoints: false,
  },
  {
    key: 'kube-system/kube-dns:dns-tcp/tcp', name: 'kube-system/kube-dns:dns-tcp', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePorts: [], externalIPs: [], loadBalancerIPs: [],
    endpoints: [['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]], localEndpoints: null, affinitySeconds: null, noEndpoints: null, noLocalEndpoints: false,
  },
  {
    key: 'kube-system/kube-dns:dns/udp', name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePorts: [], externalIPs: [], loadBalancerIPs: [],
    endpoints: [['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]], localEndpoints: null, affinitySeconds: null, noEndpoints: null, noLocalEndpoints: false,
  },
];

describe('one cluster, every kube-proxy nftables layout', () => {
  const cases = LAYOUTS.flatMap((stem) => FORMATS.map((format) => `${stem}.${format}`));

  test.each(cases)('%s gives the cluster of the fixture README, with nothing to report', (file) => {
    const v = view(file);
    expect(v.model).toMatchObject({ mode: 'nftables', complete: true, unseen: ['ipRoles'] });
    expect(meanings(v.model)).toEqual(CLUSTER);
    expect(v.model.ports.every((p) => p.endpointsShown && [...p.endpoints, ...(p.localEndpoints ?? [])].every((e) => e.probability === null && e.issues.length === 0))).toBe(true);
    expect(v.findings).toEqual([]);
    expect(v.warnings).toEqual([]);
  });

  test('every layout and every printing gives the same model', () => {
    const models = cases.map((file) => meanings(view(file).model));
    for (const m of models) expect(m).toEqual(models[0]);
  });

  test('the iptables reader gives the same model for the same cluster in iptables mode: keys and addresses match across modes', () => {
    const cluster: ClusterSpec = {
      podCIDR: '10.244.0.0/16',
      services: [
        { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: ['dns', 'dns-tcp'].map((name) => ({ name, port: 53, protocol: name === 'dns' ? 'udp' : 'tcp', endpoints: [{ ip: '10.244.1.2', port: 53 }, { ip: '10.244.2.3', port: 53 }] })) },
        { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', affinitySeconds: 10800, ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.10', port: 8080 }, { ip: '10.244.2.11', port: 8080 }] }] },
        { namespace: 'default', name: 'empty', clusterIP: '10.96.100.30', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [] }] },
        {
          namespace: 'default', name: 'lb-local', clusterIP: '10.96.100.40', loadBalancerIPs: ['203.0.113.50'], externalTrafficPolicy: 'Local',
          ports: [{ name: 'https', port: 443, protocol: 'tcp', nodePort: 31443, endpoints: [{ ip: '10.244.1.20', port: 8443, local: true }, { ip: '10.244.2.21', port: 8443 }] }],
        },
      ],
    };
    const iptables = parseSnapshot(writeRestorePayload(cluster), 'iptables-mode.txt');
    expect(meanings(iptables.describe(iptables.serviceNames()).model)).toEqual(CLUSTER);
  });
});

describe('layout details', () => {
  test('balancing is numgen buckets, each 1/N; the endpoint chain (≤1.35) or nothing (1.36+ DNAT map) is the ref', () => {
    const old = port(view('k8s-1.34-1.35.list.txt').model, 'kube-system/kube-dns:dns/udp');
    expect(old.balancing).toBe('numgen random mod 2, buckets 1/1');
    expect(old.endpoints.map((e) => e.ref)).toEqual(['endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53', 'endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53']);
    const map = port(view('k8s-1.36.list.txt').model, 'kube-system/kube-dns:dns/udp');
    expect(map.balancing).toBe('numgen random mod 2, buckets 1/1');
    expect(map.endpoints.map((e) => [e.address, e.ref])).toEqual([['10.244.1.2:53', null], ['10.244.2.3:53', null]]);
  });

  test('master: a single endpoint DNATed directly takes all the traffic', () => {
    const lb = port(view('k8s-master.list.txt').model, 'default/lb-local:https/tcp');
    expect(lb.localEndpoints).toEqual([{ address: '10.244.1.20:8443', probability: null, share: 1, ref: null, issues: [] }]);
    const text = fixture('nftables', 'k8s-master.list.txt').replace('meta l4proto udp dnat ip to numgen random mod 2 map { 0 : 10.244.1.2 . 53, 1 : 10.244.2.3 . 53 }', 'meta l4proto udp dnat to 10.244.1.2:53');
    const dns = port(describe_(text, 'lone').model, 'kube-system/kube-dns:dns/udp');
    expect([dns.balancing, meaning(dns).endpoints]).toEqual(['dnat', [['10.244.1.2:53', 1]]]);
  });

  test('chain identities: the service, local, external and firewall chains and the endpoint chains, as the iptables reader names them', () => {
    const v = view('k8s-1.34-1.35.list.txt');
    expect(keyOf(v.chainIdentity('service-5A6HMGKF-default/lb-local/tcp/https'))).toBe('svc:default/lb-local:https/tcp');
    expect(keyOf(v.chainIdentity('local-5A6HMGKF-default/lb-local/tcp/https'))).toBe('svl:default/lb-local:https/tcp');
    expect(keyOf(v.chainIdentity('external-5A6HMGKF-default/lb-local/tcp/https'))).toBe('ext:default/lb-local:https/tcp');
    expect(keyOf(v.chainIdentity('firewall-5A6HMGKF-default/lb-local/tcp/https'))).toBe('fw:default/lb-local:https/tcp');
    expect(keyOf(v.chainIdentity('endpoint-PKRL6LQE-default/lb-local/tcp/https__10.244.1.20/8443'))).toBe('sep:default/lb-local:https/tcp@10.244.1.20:8443');
    expect(keyOf(v.chainIdentity('services'))).toBeUndefined();
    expect(port(v.model, 'default/lb-local:https/tcp').refs).toEqual([
      'service-5A6HMGKF-default/lb-local/tcp/https',
      'local-5A6HMGKF-default/lb-local/tcp/https',
      'external-5A6HMGKF-default/lb-local/tcp/https',
      'firewall-5A6HMGKF-default/lb-local/tcp/https',
    ]);
  });

  test('the scaled pair: kube-dns 2 → 4 endpoints, shares 50% → 25%', () => {
    for (const format of FORMATS) {
      const before = port(view(`k8s-master.${format}`).model, 'kube-system/kube-dns:dns/udp');
      const after = port(view(`k8s-master-scaled.${format}`).model, 'kube-system/kube-dns:dns/udp');
      expect(before.endpoints.map((e) => [e.address, e.share])).toEqual([['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]]);
      expect(after.endpoints.map((e) => [e.address, e.share])).toEqual([['10.244.1.2:53', 0.25], ['10.244.1.4:53', 0.25], ['10.244.2.3:53', 0.25], ['10.244.2.5:53', 0.25]]);
      expect([before.balancing, after.balancing]).toEqual(['numgen random mod 2, buckets 1/1', 'numgen random mod 4, buckets 1/1/1/1']);
    }
  });

  test('the partial sync: chains flushed and awaiting deletion are stale-chain findings, never endpoints', () => {
    for (const format of FORMATS) {
      const v = view(`k8s-1.34-1.35-partial-sync.${format}`);
      expect(meaning(port(v.model, 'kube-system/kube-dns:dns/udp')).endpoints).toEqual([['10.244.1.2:53', 1]]);
      expect(meaning(port(v.model, 'kube-system/kube-dns:dns-tcp/tcp')).endpoints).toEqual([['10.244.1.2:53', 1]]);
      expect(v.findings.map((f) => [f.kind, f.message.split(' ')[0]])).toEqual([
        ['stale-chain', 'endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53'],
        ['stale-chain', 'endpoint-CMQO5UVS-kube-system/kube-dns/tcp/dns-tcp__10.244.2.3/53'],
      ]);
      expect(keyOf(v.chainIdentity('endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53'))).toBeUndefined();
    }
  });

  test('IPv6: the same cluster, endpoint addresses in brackets', () => {
    for (const format of FORMATS) {
      const v = view(`k8s-1.34-1.35-ipv6.${format}`);
      expect(v.findings).toEqual([]);
      expect(meaning(port(v.model, 'default/lb-local:https/tcp'))).toEqual({
        key: 'default/lb-local:https/tcp', name: 'default/lb-local:https', protocol: 'tcp', clusterIP: 'fd00:10:96::28', port: 443, nodePorts: [31443], externalIPs: [], loadBalancerIPs: ['2001:db8:50::50'],
        endpoints: [['[fd00:10:244:1::14]:8443', 0.5], ['[fd00:10:244:2::15]:8443', 0.5]], localEndpoints: [['[fd00:10:244:1::14]:8443', 1]], affinitySeconds: null, noEndpoints: null, noLocalEndpoints: false,
      });
      expect(keyOf(v.chainIdentity('endpoint-AR6QTF3B-default/web/tcp/http__fd00.10.244.1..a/8080'))).toBe('sep:default/web:http/tcp@[fd00:10:244:1::a]:8080');
    }
  });

  test('nft list ruleset with both families: ports of the ip6 table are told apart by key; the unrelated table is not modelled', () => {
    for (const format of ['list.txt', 'json']) {
      const text = fixture('nftables', `ruleset-both-families.${format}`);
      const both = describe_(text, format);
      expect(both.model.ports.map((p) => p.key)).toEqual(CLUSTER.flatMap((c) => [c.key, `${c.key} (IPv6)`]));
      expect(port(both.model, 'kube-system/kube-dns:dns/udp (IPv6)').clusterIP).toBe('fd00:10:96::a');
      const ip6 = describe_(text, format, { tables: new Set(['ip6 kube-proxy']) });
      expect(meanings(ip6.model)).toEqual(meanings(view(`k8s-1.34-1.35-ipv6.${format}`).model));
    }
  });
});

describe('corpus', () => {
  test('07 k3s: 9 endpoints behind numgen mod 9, an unnamed NodePort port, two ports rejected for lack of endpoints', () => {
    const v = view('07-k3s-nft-kube-proxy-table-9ep-nodeport.txt', 'corpus');
    expect(v.findings).toEqual([]);
    expect(v.warnings).toEqual([]);
    const np = port(v.model, 'riset/hellopod-np-svc/tcp');
    expect(np).toMatchObject({ name: 'riset/hellopod-np-svc', clusterIP: '10.43.195.72', port: 8000, nodePorts: [30000] });
    expect(np.endpoints).toHaveLength(9);
    expect(np.endpoints.every((e) => e.share === 0.111111111)).toBe(true);
    expect(np.endpoints[0]?.address).toBe('10.42.2.218:8080');
    expect(port(v.model, 'riset/otelcol-opentelemetry-collector:otlp/tcp')).toMatchObject({ clusterIP: '10.43.21.102', port: 4317, noEndpoints: 'reject', endpoints: [] });
    expect(v.model.ports).toHaveLength(11);
  });

  test('08 kubeadm 1.32, cut by the poster: refused; with allowTruncated, what was read, and the rest unknown (not none)', () => {
    const text = fixture('corpus', '08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt');
    expect(() => readNftables(text, { source: '08' })).toThrow(InputError);
    const v = describe_(text, '08', { allowTruncated: true });
    expect(v.model).toMatchObject({ mode: 'nftables', complete: false });
    const http = port(v.model, 'home/http-server:mainhttp/tcp');
    expect(meaning(http).endpoints).toEqual([['10.244.1.71:8000', 0.25], ['10.244.1.72:8000', 0.25], ['10.244.1.73:8000', 0.25], ['10.244.1.76:8000', 0.25]]);
    expect(port(v.model, 'default/kubernetes:https/tcp').endpoints.map((e) => e.address)).toEqual(['10.128.0.16:6443']);
    expect(port(v.model, 'kube-system/kube-dns:dns/udp')).toMatchObject({ clusterIP: '10.255.0.10', endpointsShown: false, endpoints: [] });
    expect(port(v.model, 'home/http-server-external-ip:mainhttp/tcp')).toMatchObject({ clusterIP: '10.255.8.50', externalIPs: ['10.128.0.25'], endpointsShown: false });
  });

  test('a 1.29 listing cut after its firewall set: the port that set names has endpoints unknown, not none', () => {
    const text = fixture('nftables', 'k8s-1.29.list.txt');
    const cut = text.slice(0, text.indexOf('\n\t}', text.indexOf('elements = { 203.0.113.50 . tcp . 443')) + 3);
    const v = describe_(cut, 'cut', { allowTruncated: true });
    expect(port(v.model, 'default/lb-local:https/tcp')).toMatchObject({ endpoints: [], endpointsShown: false });
  });
});

describe('what the rules say about themselves', () => {
  const base = fixture('nftables', 'k8s-1.34-1.35.list.txt');

  test('a chain whose hash is not kube-proxy\'s hash of its name is a name-mismatch finding; it is still read by what it does', () => {
    const v = describe_(base.replaceAll('endpoint-TF6S6XX7-', 'endpoint-AAAAAAAA-'), 'renamed');
    expect(meaning(port(v.model, 'kube-system/kube-dns:dns/udp')).endpoints).toEqual([['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]]);
    expect(v.findings.map((f) => f.kind)).toEqual(['name-mismatch']);
    expect(v.findings[0]?.message).toBe('endpoint-AAAAAAAA-kube-system/kube-dns/udp/dns__10.244.1.2/53: sends kube-system/kube-dns:dns/udp traffic to 10.244.1.2:53, but kube-proxy would name that chain endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53');
  });

  test('an endpoint chain that DNATs elsewhere than its name says: the DNAT is the truth, the name a finding', () => {
    const v = describe_(base.replace('meta l4proto udp dnat to 10.244.2.3:53', 'meta l4proto udp dnat to 10.244.9.9:53'), 'moved');
    expect(meaning(port(v.model, 'kube-system/kube-dns:dns/udp')).endpoints).toEqual([['10.244.1.2:53', 0.5], ['10.244.9.9:53', 0.5]]);
    expect(v.findings.map((f) => f.message)).toEqual([
      'endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53: sends kube-system/kube-dns:dns/udp traffic to 10.244.9.9:53, but kube-proxy would name that chain endpoint-CGLT4QSW-kube-system/kube-dns/udp/dns__10.244.9.9/53',
    ]);
  });

  test('a bucket list naming one endpoint twice gives it 2/N; a missing bucket and one beyond N are findings', () => {
    const vmap = 'numgen random mod 2 vmap { 0 : goto endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53, 1 : goto endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53 }';
    const a = 'endpoint-TF6S6XX7-kube-system/kube-dns/udp/dns__10.244.1.2/53';
    const b = 'endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53';
    const twice = describe_(base.replace(vmap, `numgen random mod 3 vmap { 0 : goto ${a}, 1 : goto ${b}, 2 : goto ${a} }`), 'twice');
    const dns = port(twice.model, 'kube-system/kube-dns:dns/udp');
    expect(dns.endpoints.map((e) => [e.address, e.share])).toEqual([['10.244.1.2:53', 0.666666667], ['10.244.2.3:53', 0.333333333]]);
    expect(dns.balancing).toBe('numgen random mod 3, buckets 2/1');
    expect(twice.findings).toEqual([]);
    const gaps = describe_(base.replace(vmap, `numgen random mod 3 vmap { 0 : goto ${a}, 1 : goto ${b}, 5 : goto ${a} }`), 'gaps');
    expect(gaps.findings.map((f) => [f.kind, f.message])).toEqual([
      ['unreachable-rule', 'service-FY5PMXPG-kube-system/kube-dns/udp/dns: bucket 5 of numgen mod 3 on line 156 can never be picked'],
      ['shares-incomplete', 'service-FY5PMXPG-kube-system/kube-dns/udp/dns: 33.3% of new connections fall in numgen buckets the map does not list (line 156)'],
    ]);
  });

  test('internalTrafficPolicy Local: the ClusterIP goes to the local chain, whose endpoints are the local list (as the iptables reader gives KUBE-SVL); without local endpoints it is dropped', () => {
    const svc = 'service-FY5PMXPG-kube-system/kube-dns/udp/dns';
    const local = 'local-FY5PMXPG-kube-system/kube-dns/udp/dns';
    const itp = describe_(base.replaceAll(svc, local), 'itp-local');
    expect(itp.findings).toEqual([]);
    expect(port(itp.model, 'kube-system/kube-dns:dns/udp')).toMatchObject({ clusterIP: '10.96.0.10', port: 53, endpoints: [], refs: [local] });
    expect(meaning(port(itp.model, 'kube-system/kube-dns:dns/udp')).localEndpoints).toEqual([['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]]);
    expect(keyOf(itp.chainIdentity(local))).toBe('svl:kube-system/kube-dns:dns/udp');
    const none = describe_(
      base.replace(`\t\t\t     10.96.0.10 . udp . 53 : goto ${svc},\n`, '').replace(': goto reject-chain }', ': goto reject-chain,\n\t\t\t     10.96.0.10 . udp . 53 comment "kube-system/kube-dns:dns" : drop }'),
      'itp-local-none',
    );
    expect(port(none.model, 'kube-system/kube-dns:dns/udp')).toMatchObject({ clusterIP: '10.96.0.10', port: 53, noLocalEndpoints: true, noEndpoints: null, endpoints: [] });
  });

  test('externalTrafficPolicy Local without a local endpoint: external traffic is dropped (no local chain, drop elements)', () => {
    const noLocal = base
      .replace('\t\tgoto local-5A6HMGKF-default/lb-local/tcp/https\n', '')
      .replace(/\tchain local-5A6HMGKF[\s\S]*?\n\t}\n\n/, '')
      .replace(
        'elements = { 10.96.100.30 . tcp . 80 comment "default/empty:http" : goto reject-chain }',
        'elements = { 10.96.100.30 . tcp . 80 comment "default/empty:http" : goto reject-chain,\n\t\t\t     203.0.113.50 . tcp . 443 comment "default/lb-local:https" : drop }',
      )
      .replace('comment "vmap to drop or reject packets to service nodeports with no endpoints"\n', 'comment "vmap to drop or reject packets to service nodeports with no endpoints"\n\t\telements = { tcp . 31443 comment "default/lb-local:https" : drop }\n');
    const v = describe_(noLocal, 'no-local');
    expect(v.findings).toEqual([]);
    expect(meaning(port(v.model, 'default/lb-local:https/tcp'))).toMatchObject({ noLocalEndpoints: true, localEndpoints: null, nodePorts: [31443], loadBalancerIPs: ['203.0.113.50'], noEndpoints: null });
  });
});

describe('the generic chain diff over two nftables dumps', () => {
  function side(file: string): ChainSide {
    const dump = readNftables(fixture('nftables', file), { source: file });
    return { ruleset: dump.ruleset, identity: describeNftables(dump, { source: file }).chainIdentity };
  }

  function sideOf(text: string): ChainSide {
    const dump = readNftables(text, { source: 'edited' });
    return { ruleset: dump.ruleset, identity: describeNftables(dump, { source: 'edited' }).chainIdentity };
  }

  test("a set's elements listed in another order: no chain differs (a set has no order)", () => {
    const text = fixture('nftables', 'k8s-master.list.txt');
    const swapped = text.replace('elements = { 10.244.1.2 . 10.244.1.2 . tcp . 53,\n\t\t\t     10.244.2.3 . 10.244.2.3 . tcp . 53,', 'elements = { 10.244.2.3 . 10.244.2.3 . tcp . 53,\n\t\t\t     10.244.1.2 . 10.244.1.2 . tcp . 53,');
    expect(swapped).not.toBe(text);
    expect(diffChains('ip kube-proxy', sideOf(text), sideOf(swapped)).chains).toEqual([]);
  });

  test("a set declared otherwise (the affinity timeout 3h → 1h): that set changed, its declaration before and after", () => {
    const text = fixture('nftables', 'k8s-master.list.txt');
    const edited = text.replace('timeout 3h\n\t}\n\n\tset affinity-ISHEYCOM', 'timeout 1h\n\t}\n\n\tset affinity-ISHEYCOM');
    expect(edited).not.toBe(text);
    const d = diffChains('ip kube-proxy', sideOf(text), sideOf(edited));
    expect(d.chains.map((c) => [c.name, c.status, c.declaration?.before, c.declaration?.after])).toEqual([
      ['set affinity-FLXOMXXM-default/web/tcp/http__10.244.1.10/8080', 'changed', expect.stringContaining('timeout 3h'), expect.stringContaining('timeout 1h')],
    ]);
  });

  test('the same table printed as text and as JSON: no chain differs', () => {
    expect(diffChains('ip kube-proxy', side('k8s-1.34-1.35.list-a.txt'), side('k8s-1.34-1.35.json')).chains).toEqual([]);
  });

  test('kube-dns scaled 2 → 4: its balancing rules re-weighted (paired, not removed and added), its hairpin elements added', () => {
    const d = diffChains('ip kube-proxy', side('k8s-master.list.txt'), side('k8s-master-scaled.list.txt'));
    expect(d.chains.map((c) => [c.status, c.name, c.service, c.added.length, c.removed.length, c.changed.length])).toEqual([
      ['changed', 'service-FY5PMXPG-kube-system/kube-dns/udp/dns', 'kube-system/kube-dns:dns/udp', 0, 0, 1],
      ['changed', 'service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp', 'kube-system/kube-dns:dns-tcp/tcp', 0, 0, 1],
      ['changed', 'set hairpin-connections', null, 4, 0, 0],
    ]);
    expect(d.chains[0]?.changed[0]?.after.text).toBe('meta l4proto udp dnat to numgen random mod 4 map { 0 : 10.244.1.2 . 53, 1 : 10.244.1.4 . 53, 2 : 10.244.2.3 . 53, 3 : 10.244.2.5 . 53 }');
  });

  test('the partial sync: the flushed endpoint chains lost their rules, the balancing rules went from mod 2 to mod 1', () => {
    const d = diffChains('ip kube-proxy', side('k8s-1.34-1.35.list.txt'), side('k8s-1.34-1.35-partial-sync.list.txt'));
    expect(d.chains.map((c) => [c.name, c.removed.length, c.changed.length])).toEqual([
      ['endpoint-CMQO5UVS-kube-system/kube-dns/tcp/dns-tcp__10.244.2.3/53', 2, 0],
      ['endpoint-XNQT4B3W-kube-system/kube-dns/udp/dns__10.244.2.3/53', 2, 0],
      ['service-FY5PMXPG-kube-system/kube-dns/udp/dns', 0, 1],
      ['service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp', 0, 1],
    ]);
  });
});

describe('looksLikeNftables', () => {
  const first = (text: string) => text.split('\n').slice(0, 200).join('\n');

  test.each([
    ...LAYOUTS.flatMap((s) => FORMATS.map((f) => ['nftables', `${s}.${f}`])),
    ['nftables', 'k8s-1.34-1.35-ipv6.list.txt'],
    ['nftables', 'ruleset-both-families.list.txt'],
    ['nftables', 'ruleset-both-families.json'],
    ['corpus', '07-k3s-nft-kube-proxy-table-9ep-nodeport.txt'],
    ['corpus', '08-kubeadm-1.32-nft-a-kube-proxy-handles-truncated.txt'],
  ])('%s/%s is kube-proxy nftables', (dir, file) => {
    expect(looksLikeNftables(first(fixture(dir as string, file as string)))).toBe(true);
  });

  test.each([
    ['nftables', 'iptables-nft-kube-proxy-payload.ruleset.txt'],
    ['nftables', 'unrelated-host-firewall.nft'],
    ['corpus', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt'],
    ['corpus', '23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt'],
    ['captured', 'iptables-save-of-payload.txt'],
    ['ipvs', 'ipvsadm-Ln.txt'],
  ])('%s/%s is not', (dir, file) => {
    expect(looksLikeNftables(first(fixture(dir, file)))).toBe(false);
  });

  test('JSON naming another table, or kube-proxy in the inet family, is not', () => {
    expect(looksLikeNftables('{"nftables": [{"metainfo": {}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}]}')).toBe(false);
    expect(looksLikeNftables('{"nftables": [{"table": {"family": "inet", "name": "kube-proxy", "handle": 1}}]}')).toBe(false);
    expect(looksLikeNftables('table inet filter {\n\tchain input {\n\t}\n}\ntable ip kube-proxy {\n')).toBe(true);
  });
});
