/**
 * The service model of an IPVS table: ports, endpoints and shares, NodePort and load-balancer
 * virtual services folded into their port, draining real servers, schedulers.
 *
 * This kernel has no IPVS (`ipvsadm -A` fails: "Protocol not available"), so the fixtures are text
 * in ipvsadm's exact format (tests/fixtures/ipvs, see its README) and real published listings
 * (corpus 14, 15, 19); inline texts follow the same format strings.
 */
import { describeIpvs, readIpvs } from '../../lib/parse/ipvs';
import type { ServicePortInfo } from '../../lib/model/metadata';
import type { ServiceModel, ServicePort } from '../../lib/model/service';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { fixture } from '../support/snapshots';
import { identityKey, type ChainIdentity } from '../../lib/model/snapshot';

const keyOf = (id: ChainIdentity | undefined): string | undefined => id && identityKey(id);

const LN = fixture('ipvs', 'ipvsadm-Ln.txt');
const SAVE = fixture('ipvs', 'ipvsadm-save-n.txt');
const STATS = fixture('ipvs', 'ipvsadm-Ln-stats.txt');
const RATE = fixture('ipvs', 'ipvsadm-Ln-rate.txt');
const HEAD = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

/** The cluster of tests/fixtures/nftables/README.md as a natdiff snapshot's metadata records it, with the LB IP it may carry. */
const CLUSTER_PORTS: ServicePortInfo[] = [
  { name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
  { name: 'kube-system/kube-dns:dns-tcp', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
  { name: 'default/web:http', protocol: 'tcp', clusterIP: '10.96.100.20', port: 80, nodePort: 30080 },
  { name: 'default/empty:http', protocol: 'tcp', clusterIP: '10.96.100.30', port: 80, nodePort: null },
  { name: 'default/lb-local:https', protocol: 'tcp', clusterIP: '10.96.100.40', port: 443, nodePort: 31443, loadBalancerIPs: ['203.0.113.50'] },
];

function view(text: string, options: { servicePorts?: ServicePortInfo[]; nodeIPs?: string[] } = {}, source = 'x'): ReturnType<typeof describeIpvs> {
  return describeIpvs(readIpvs(text, { source }), { source, ...options });
}

function model(text: string, options: { servicePorts?: ServicePortInfo[]; nodeIPs?: string[] } = {}): ServiceModel {
  return view(text, options).model;
}

function port(m: ServiceModel, key: string): ServicePort {
  const p = m.ports.find((x) => x.key === key);
  if (!p) throw new Error(`no port ${key}; have ${m.ports.map((x) => x.key).join(', ')}`);
  return p;
}

/** Endpoints as `address=share`, draining ones marked. */
function shares(endpoints: readonly { address: string | null; share: number; issues: readonly string[] }[] | null): string[] | null {
  return endpoints?.map((e) => `${e.address}=${e.share}${e.issues.length > 0 ? ` (${e.issues.join(', ')})` : ''}`) ?? null;
}

describe('the cluster of tests/fixtures/nftables/README.md, as IPVS mode programs it', () => {
  const m = model(LN, { servicePorts: CLUSTER_PORTS });

  test('port by port: the README\'s keys, endpoint addresses and shares', () => {
    expect(m).toMatchObject({ mode: 'ipvs', complete: true, unseen: [] });
    expect(m.ports.map((p) => [p.key, shares(p.endpoints)])).toEqual([
      ['default/empty:http/tcp', []],
      ['default/lb-local:https/tcp', ['10.244.1.20:8443=0.5', '10.244.2.21:8443=0.5']],
      ['default/web:http/tcp', ['10.244.1.10:8080=0.5', '10.244.2.11:8080=0.5']],
      ['kube-system/kube-dns:dns-tcp/tcp', ['10.244.1.2:53=0.5', '10.244.2.3:53=0.5']],
      ['kube-system/kube-dns:dns/udp', ['10.244.1.2:53=0.5', '10.244.2.3:53=0.5']],
    ]);
  });

  test('web: NodePort 30080 folded in, ClientIP affinity from persistence', () => {
    expect(port(m, 'default/web:http/tcp')).toMatchObject({
      name: 'default/web:http', protocol: 'tcp', clusterIP: '10.96.100.20', port: 80, nodePorts: [30080], affinitySeconds: 10800,
      localEndpoints: null, noEndpoints: null, balancing: 'rr, weights 1/1', refs: ['TCP 10.96.100.20:80', 'TCP 192.168.0.10:30080'],
    });
  });

  test('lb-local (externalTrafficPolicy Local): NodePort and LB IP folded in; their real servers, the local one only, are the local endpoints', () => {
    const lb = port(m, 'default/lb-local:https/tcp');
    expect(lb).toMatchObject({ clusterIP: '10.96.100.40', port: 443, nodePorts: [31443], loadBalancerIPs: ['203.0.113.50'], externalIPs: [], affinitySeconds: null });
    expect(shares(lb.localEndpoints)).toEqual(['10.244.1.20:8443=1']);
  });

  test('empty: a virtual service without real servers rejects new connections', () => {
    expect(port(m, 'default/empty:http/tcp')).toMatchObject({ endpoints: [], noEndpoints: 'reject', balancing: 'rr' });
  });

  test('every IPVS endpoint has no rule probability and no dataplane object of its own', () => {
    for (const p of m.ports) for (const e of [...p.endpoints, ...(p.localEndpoints ?? [])]) expect(e).toMatchObject({ probability: null, ref: null, issues: [] });
  });

  test('chain identities: svc:KEY for the cluster IP\'s virtual service, node:/ext:KEY@address for the others', () => {
    const v = view(LN, { servicePorts: CLUSTER_PORTS });
    expect(['TCP 10.96.100.40:443', 'TCP 192.168.0.10:31443', 'TCP 203.0.113.50:443', 'UDP 10.96.0.10:53', 'TCP 1.2.3.4:5'].map((c) => keyOf(v.chainIdentity(c)))).toEqual([
      'svc:default/lb-local:https/tcp',
      'node:default/lb-local:https/tcp@192.168.0.10:31443',
      'ext:default/lb-local:https/tcp@203.0.113.50:443',
      'svc:kube-system/kube-dns:dns/udp',
      undefined,
    ]);
  });

  test('the same model as iptables mode gives for the same cluster (kube-proxy\'s restore payload)', () => {
    const spec: ClusterSpec = {
      podCIDR: '10.244.0.0/16',
      services: [
        { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: ['dns/udp', 'dns-tcp/tcp'].map((n) => ({ name: n.split('/')[0] as string, port: 53, protocol: n.split('/')[1] as 'udp' | 'tcp', endpoints: [{ ip: '10.244.1.2', port: 53 }, { ip: '10.244.2.3', port: 53 }] })) },
        { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', affinitySeconds: 10800, ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.10', port: 8080 }, { ip: '10.244.2.11', port: 8080 }] }] },
        { namespace: 'default', name: 'empty', clusterIP: '10.96.100.30', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [] }] },
        {
          namespace: 'default', name: 'lb-local', clusterIP: '10.96.100.40', externalTrafficPolicy: 'Local', loadBalancerIPs: ['203.0.113.50'],
          ports: [{ name: 'https', port: 443, protocol: 'tcp', nodePort: 31443, endpoints: [{ ip: '10.244.1.20', port: 8443, local: true }, { ip: '10.244.2.21', port: 8443 }] }],
        },
      ],
    };
    const iptables = parseSnapshot(writeRestorePayload(spec), 'iptables').describe([]).model;
    const comparable = (p: { key: string; clusterIP: string | null; port: number | null; nodePorts: number[]; loadBalancerIPs: string[]; externalIPs: string[]; affinitySeconds: number | null; noEndpoints: string | null; endpoints: { address: string | null; share: number }[]; localEndpoints: { address: string | null; share: number }[] | null }): unknown => ({
      key: p.key, clusterIP: p.clusterIP, port: p.port, nodePorts: p.nodePorts, loadBalancerIPs: p.loadBalancerIPs, externalIPs: p.externalIPs, affinitySeconds: p.affinitySeconds, noEndpoints: p.noEndpoints,
      endpoints: p.endpoints.map((e) => [e.address, e.share]), localEndpoints: p.localEndpoints?.map((e) => [e.address, e.share]) ?? null,
    });
    expect(m.ports.map(comparable)).toEqual(iptables.ports.map(comparable));
  });
});

describe('one table, one model, whatever ipvsadm printed it', () => {
  test('ipvsadm -Ln and ipvsadm-save -n give the same model', () => {
    expect(model(SAVE, { servicePorts: CLUSTER_PORTS })).toEqual(model(LN, { servicePorts: CLUSTER_PORTS }));
    expect(model(SAVE)).toEqual(model(LN));
  });

  test('--stats and --rate give the same model; it is -Ln\'s but for what they cannot show (affinity, balancing), which is said', () => {
    const ln = model(LN, { servicePorts: CLUSTER_PORTS });
    const stats = model(STATS, { servicePorts: CLUSTER_PORTS });
    expect(model(RATE, { servicePorts: CLUSTER_PORTS })).toEqual(stats);
    expect(stats.unseen).toEqual(['shares', 'affinity']);
    expect(stats).toEqual({ ...ln, unseen: ['shares', 'affinity'], ports: ln.ports.map((p) => ({ ...p, affinitySeconds: null, balancing: null })) });
    expect(view(STATS, { servicePorts: CLUSTER_PORTS }).warnings.map((w) => w.message)).toEqual([
      '`ipvsadm -Ln --stats` shows no scheduler, persistence or weights: shares assume equal weights (a draining real server cannot be told) and affinity is not shown; capture `ipvsadm -Ln`',
    ]);
  });

  test('the order of virtual services and real servers does not matter', () => {
    const lines = SAVE.trimEnd().split('\n');
    const reversed = `${[...lines].reverse().sort((a, b) => (a.startsWith('-A') === b.startsWith('-A') ? 0 : a.startsWith('-A') ? -1 : 1)).join('\n')}\n`;
    expect(model(reversed, { servicePorts: CLUSTER_PORTS })).toEqual(model(LN, { servicePorts: CLUSTER_PORTS }));
  });
});

describe('what is known decides what a virtual service is', () => {
  test('without service ports or node addresses: every virtual service is a cluster-IP port keyed ip:port/protocol, and a warning says so', () => {
    const v = view(LN);
    expect(v.model.ports.map((p) => p.key)).toEqual([
      '10.96.0.10:53/tcp', '10.96.0.10:53/udp', '10.96.100.20:80/tcp', '10.96.100.30:80/tcp', '10.96.100.40:443/tcp', '192.168.0.10:30080/tcp', '192.168.0.10:31443/tcp', '203.0.113.50:443/tcp',
    ]);
    expect(v.warnings.map((w) => w.message)).toEqual([
      "neither the node's addresses nor the cluster's service ports are known: every virtual service is read as a cluster IP (`ip:port/protocol`), so NodePort, external and load-balancer virtual services are ports of their own",
    ]);
  });

  test('with the node\'s addresses only: a NodePort folds into the one cluster-IP port with the same real servers, else stands apart as NODE:port/protocol', () => {
    // Without the LB IP's virtual service, which only service ports tell from a cluster IP.
    const v = view(LN.replace(/^TCP {2}203\.0\.113\.50:443 rr\n.*\n/m, ''), { nodeIPs: ['192.168.0.10'] });
    expect(port(v.model, '10.96.100.20:80/tcp')).toMatchObject({ nodePorts: [30080], affinitySeconds: 10800 });
    expect(port(v.model, 'NODE:31443/tcp')).toMatchObject({ clusterIP: null, port: null, nodePorts: [31443], refs: ['TCP 192.168.0.10:31443'] });
    expect(shares(port(v.model, 'NODE:31443/tcp').endpoints)).toEqual(['10.244.1.20:8443=1']);
    expect(keyOf(v.chainIdentity('TCP 192.168.0.10:31443'))).toBe('svc:NODE:31443/tcp');
    expect(v.warnings.map((w) => w.message)).toEqual([
      "virtual services whose service port cannot be told are listed apart: NODE:31443/tcp (NODE: a NodePort on the node's addresses; EXTERNAL: an external or load-balancer IP)",
    ]);
  });

  test('with service ports that do not name the load-balancer IP: that virtual service stands apart as EXTERNAL:ip:port/protocol', () => {
    const v = view(LN, { servicePorts: CLUSTER_PORTS.map(({ loadBalancerIPs: _, ...p }) => p) });
    expect(port(v.model, 'default/lb-local:https/tcp').loadBalancerIPs).toEqual([]);
    expect(port(v.model, 'EXTERNAL:203.0.113.50:443/tcp')).toMatchObject({ name: null, clusterIP: null, refs: ['TCP 203.0.113.50:443'] });
    expect(v.warnings.map((w) => w.message)).toEqual([
      "virtual services whose service port cannot be told are listed apart: EXTERNAL:203.0.113.50:443/tcp (NODE: a NodePort on the node's addresses; EXTERNAL: an external or load-balancer IP)",
    ]);
  });

  test('localhost NodePorts of old versions (127.0.0.1) fold like the node\'s own addresses', () => {
    const text = `${HEAD}TCP  127.0.0.1:30080 rr\n  -> 10.244.1.10:8080             Masq    1      0          0         \nTCP  10.96.100.20:80 rr\n  -> 10.244.1.10:8080             Masq    1      0          0         \n`;
    expect(model(text).ports.map((p) => [p.key, p.nodePorts])).toEqual([['10.96.100.20:80/tcp', [30080]]]);
  });

  test('an unnamed IPv6 port is keyed as the iptables reader keys it (no brackets)', () => {
    const text = `${HEAD}UDP  [fd00:10:96::a]:53 rr\n  -> [fd00:10:244:1::2]:53        Masq    1      0          0         \n`;
    expect(model(text).ports.map((p) => [p.key, p.clusterIP, p.endpoints[0]?.address])).toEqual([['fd00:10:96::a:53/udp', 'fd00:10:96::a', '[fd00:10:244:1::2]:53']]);
  });

  test('firewall-mark services are not kube-proxy\'s: not in the model, said once', () => {
    const v = view(`${HEAD}FWM  7 rr\n  -> 10.244.1.8:0                 Route   1      0          0         \n`);
    expect(v.model.ports).toEqual([]);
    expect(v.warnings.map((w) => w.message)).toEqual(["firewall-mark virtual services (FWM 7) are not kube-proxy's: compared real server by real server only"]);
  });
});

describe('real listings', () => {
  test('corpus 14: four endpoints share a ClusterIP port in equal parts', () => {
    const m = model(fixture('corpus', '14-kubeadm-ipvsadm-Ln-4ep-rr.txt'));
    expect(m.ports.map((p) => [p.key, p.endpoints.length])).toEqual([
      ['10.109.155.157:30000/tcp', 4], ['10.96.0.10:53/tcp', 2], ['10.96.0.10:53/udp', 2], ['10.96.0.10:9153/tcp', 2], ['10.96.0.1:443/tcp', 1],
    ]);
    expect(shares(port(m, '10.109.155.157:30000/tcp').endpoints)).toEqual(['10.244.1.12:80=0.25', '10.244.1.13:80=0.25', '10.244.2.13:80=0.25', '10.244.2.14:80=0.25']);
  });

  test('corpus 15: the weight-0 real server is draining (share 0), the nine others share equally; one service shown, so the listing is partial', () => {
    const m = model(fixture('corpus', '15-ipvsadm-nodeport-10rs-weight0-terminating.txt'), { nodeIPs: ['192.168.1.2'] });
    expect(m).toMatchObject({ complete: false, unseen: ['clusterIP', 'nodePorts', 'externalIPs', 'loadBalancerIPs'] });
    const np = port(m, 'NODE:30232/tcp');
    expect(np.balancing).toBe('rr, weights 1/1/1/1/1/1/1/1/1/0');
    expect(np.endpoints).toHaveLength(10);
    expect(shares(np.endpoints.filter((e) => e.share !== 1 / 9 && e.share !== 0.111111111))).toEqual(['11.0.4.9:80=0 (draining)']);
    expect(np.noEndpoints).toBeNull();
  });

  test('corpus 19: the NodePort on three node addresses folds into nginx-basic, named from metadata-like service ports; unnamed ports keep ip:port/protocol', () => {
    const servicePorts: ServicePortInfo[] = [
      { name: 'default/nginx-basic:http', protocol: 'tcp', clusterIP: '10.100.49.21', port: 80, nodePort: 31195 },
      { name: 'default/kubernetes:https', protocol: 'tcp', clusterIP: '10.96.0.1', port: 443, nodePort: null },
      { name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
      { name: 'kube-system/kube-dns:dns-tcp', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
      { name: 'kube-system/kube-dns:metrics', protocol: 'tcp', clusterIP: '10.96.0.10', port: 9153, nodePort: null },
    ];
    const v = view(fixture('corpus', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt'), { servicePorts });
    expect(v.model.ports.map((p) => p.key)).toEqual([
      '10.101.177.188:443/tcp', '10.99.180.41:5473/tcp', 'default/kubernetes:https/tcp', 'default/nginx-basic:http/tcp',
      'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:metrics/tcp',
    ]);
    const nginx = port(v.model, 'default/nginx-basic:http/tcp');
    expect(nginx).toMatchObject({ clusterIP: '10.100.49.21', port: 80, nodePorts: [31195], localEndpoints: null });
    expect(nginx.refs).toEqual(['TCP 10.100.49.21:80', 'TCP 172.17.0.1:31195', 'TCP 192.168.185.0:31195', 'TCP 192.168.191.153:31195']);
    expect(shares(nginx.endpoints)).toEqual(['192.168.185.13:80=0.333333333', '192.168.185.14:80=0.333333333', '192.168.185.15:80=0.333333333']);
    expect(v.warnings).toEqual([]);
  });
});

describe('schedulers and weights', () => {
  const service = (scheduler: string, weights: number[]): string =>
    `${HEAD}TCP  10.96.0.5:80 ${scheduler}\n${weights.map((w, i) => `  -> 10.244.0.${i + 1}:80${' '.repeat(18)}Masq    ${String(w).padEnd(6)} 0          0         \n`).join('')}`;

  test.each([
    ['rr', [1, 3, 0], ['10.244.0.1:80=0.5', '10.244.0.2:80=0.5', '10.244.0.3:80=0 (draining)']],
    ['wrr', [1, 3, 0], ['10.244.0.1:80=0.25', '10.244.0.2:80=0.75', '10.244.0.3:80=0 (draining)']],
    ['wlc', [1, 3], ['10.244.0.1:80=0.25', '10.244.0.2:80=0.75']],
    ['lc', [1, 3], ['10.244.0.1:80=0.5', '10.244.0.2:80=0.5']],
    ['fo', [1, 3, 3], ['10.244.0.1:80=0', '10.244.0.2:80=0.5', '10.244.0.3:80=0.5']],
    ['sh (sh-port)', [2, 2], ['10.244.0.1:80=0.5', '10.244.0.2:80=0.5']],
  ])('%s, weights %j', (scheduler, weights, expected) => {
    const m = model(service(scheduler, weights));
    expect(shares(port(m, '10.96.0.5:80/tcp').endpoints)).toEqual(expected);
    expect(port(m, '10.96.0.5:80/tcp').balancing).toBe(`${scheduler}, weights ${weights.join('/')}`);
  });

  test('rr and wrr shares are exact; for other schedulers the assumption is said once per scheduler', () => {
    expect(view(service('rr', [1, 1]), { nodeIPs: [] }).warnings).toEqual([]);
    const text = `${service('wlc', [1, 1])}TCP  10.96.0.6:80 wlc\n  -> 10.244.0.9:80                Masq    1      0          0         \nTCP  10.96.0.7:80 sh\n  -> 10.244.0.9:80                Masq    1      0          0         \n`;
    expect(view(text, { nodeIPs: [] }).warnings.map((w) => w.message)).toEqual([
      'scheduler sh hashes the client address, so each client sticks to one real server: shown shares assume new connections split in proportion to weight, which the listing cannot confirm',
      'scheduler wlc sends each new connection to the real server with the fewest connections per weight: shown shares assume new connections split in proportion to weight, which the listing cannot confirm',
    ]);
  });

  test('every real server draining: nothing takes new connections, which IPVS rejects', () => {
    expect(port(model(service('rr', [0, 0])), '10.96.0.5:80/tcp')).toMatchObject({ noEndpoints: 'reject', endpoints: [{ share: 0, issues: ['draining'] }, { share: 0, issues: ['draining'] }] });
  });
});
