/**
 * drift on generated kube-proxy rules, read as natdiff reads any input: the odd node named with what
 * it lacks and sends besides, a tie said as such, a port missing on one node, what a partial input
 * cannot show never taken as drift, modes compared by their service model, and an answer that does
 * not depend on the order of the nodes.
 */
import { fc, test as prop } from '@fast-check/jest';
import { compareNodes, type ExpectedPort } from '../../lib/drift/compare';
import { DigestPool, digestSnapshot, type NodeDigest } from '../../lib/drift/digest';
import { filterDrift } from '../../lib/drift/filter';
import { namedDigests } from '../../lib/drift/read-nodes';
import { uniqueNames } from '../../lib/drift/node-names';
import { driftDocument } from '../../lib/report/drift-json';
import { renderDriftText } from '../../lib/report/drift-text';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { cluster as clusterArbitrary } from '../support/cluster-arbitrary';
import { ipvsVirtualServices } from '../support/kube-proxy-ipvs-writer';
import { ipvsadmList } from '../support/ipvsadm-writer';
import { writeRestorePayload, type ClusterSpec, type EndpointSpec } from '../support/kube-proxy-writer';
import { fixture } from '../support/snapshots';

const ep = (ip: string, port: number): EndpointSpec => ({ ip, port });

/** kube-dns (two ports) and web; `web` gives web's endpoints on this node. */
function clusterWith(web: EndpointSpec[], dns: EndpointSpec[] = [ep('10.244.1.2', 53), ep('10.244.2.3', 53)]): ClusterSpec {
  return {
    podCIDR: '10.244.0.0/16',
    services: [
      { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: dns }, { name: 'dns-tcp', port: 53, protocol: 'tcp', endpoints: dns }] },
      { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: web }] },
    ],
  };
}

const WEB = [ep('10.244.1.10', 8080), ep('10.244.2.11', 8080)];
const OLD_WEB = [ep('10.244.1.10', 8080), ep('10.244.2.9', 8080)];

function digest(text: string, node: string): NodeDigest {
  return digestSnapshot(parseSnapshot(text, `${node}.txt`), node).digest;
}

const iptables = (c: ClusterSpec, node: string): NodeDigest => digest(writeRestorePayload(c), node);

function service(report: ReturnType<typeof compareNodes>, name: string) {
  const s = report.services.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} in ${report.services.map((x) => x.name).join(', ')}`);
  return s;
}

describe('natdiff drift: comparing nodes', () => {
  test('one node still sending to a deleted pod is the outlier, with what it lacks and what it sends to besides', () => {
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(OLD_WEB), 'node-c'), iptables(clusterWith(WEB), 'node-b')]);
    const web = service(report, 'default/web:http');
    expect(web).toMatchObject({ status: 'drift', outliers: ['node-c'], tie: false, majority: ['10.244.1.10:8080', '10.244.2.11:8080'] });
    expect(web.differences).toEqual([{ node: 'node-c', lacks: ['10.244.2.11:8080'], extra: ['10.244.2.9:8080'], absent: false, sharesDiffer: false }]);
    expect(report.summary).toEqual({ ports: 3, drifting: 1, consistent: 2, notCompared: 0, staleNodes: [] });
    expect(driftDocument(report, { all: false })).toEqual({
      formatVersion: 1,
      nodes: ['node-a', 'node-b', 'node-c'].map((name) => ({ name, source: `${name}.txt`, mode: 'iptables', partial: null })),
      services: [{
        name: 'default/web:http', protocol: 'tcp', status: 'drift', outliers: ['node-c'], tie: false,
        nodes: { 'node-a': { endpoints: ['10.244.1.10:8080', '10.244.2.11:8080'] }, 'node-b': { endpoints: ['10.244.1.10:8080', '10.244.2.11:8080'] }, 'node-c': { endpoints: ['10.244.1.10:8080', '10.244.2.9:8080'] } },
      }],
      summary: report.summary,
    });
    expect(renderDriftText(report, { color: false, all: false })).toBe([
      'natdiff drift: 3 nodes: node-a (iptables), node-b (iptables), node-c (iptables)',
      '',
      '~ default/web:http  tcp  node-c: lacks 10.244.2.11:8080; sends to 10.244.2.9:8080 (on none of the others)',
      '',
      '2 ports consistent on every node compared (--all lists them)',
      '1 of 3 ports drifts · odd node: node-c',
      '',
    ].join('\n'));
  });

  test('two endpoint sets held by as many nodes: a tie, every node of it named, none picked', () => {
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(OLD_WEB), 'node-b'), iptables(clusterWith(WEB), 'node-c'), iptables(clusterWith(OLD_WEB), 'node-d')]);
    const web = service(report, 'default/web:http');
    expect(web).toMatchObject({ status: 'drift', tie: true, outliers: ['node-a', 'node-b', 'node-c', 'node-d'], majority: null, differences: [] });
    const text = renderDriftText(report, { color: false, all: false });
    expect(text).toContain('~ default/web:http  tcp  tie: no endpoint set is held by more nodes than another (node-a, node-b, node-c, node-d)\n    node-a, node-c: 10.244.1.10:8080, 10.244.2.11:8080\n    node-b, node-d: 10.244.1.10:8080, 10.244.2.9:8080\n');
    expect(text).toMatch(/1 of 3 ports drifts · 1 tie \(no odd node can be told\)\n$/);
  });

  test('a port on some nodes only is drift: missing on the node whose input shows every port', () => {
    const withoutWeb: ClusterSpec = { ...clusterWith(WEB), services: clusterWith(WEB).services.filter((s) => s.name !== 'web') };
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b'), iptables(withoutWeb, 'node-c')]);
    const web = service(report, 'default/web:http');
    expect(web).toMatchObject({ status: 'drift', outliers: ['node-c'], differences: [{ node: 'node-c', absent: true, lacks: ['10.244.1.10:8080', '10.244.2.11:8080'], extra: [] }] });
    expect(driftDocument(report, { all: false }).services[0]?.nodes['node-c']).toEqual({ endpoints: [], absent: true });
    expect(renderDriftText(report, { color: false, all: false })).toContain('\n~ default/web:http  tcp  missing on node-c\n\n');
  });

  test('a partial dump (the lines of one service, grepped) is not comparable for the ports it does not show, never drift', () => {
    const full = writeRestorePayload(clusterWith(OLD_WEB));
    const grepped = `*nat\n${full.split('\n').filter((l) => l.includes('kube-dns') && l.startsWith('-A')).join('\n')}\nCOMMIT\n`;
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b'), digest(grepped, 'node-c')]);
    expect(report.summary.drifting).toBe(0);
    const web = service(report, 'default/web:http');
    expect(web.status).toBe('consistent');
    expect(web.nodes['node-c']).toMatchObject({ endpoints: [], notComparable: expect.stringMatching(/KUBE-SERVICES|partial|some/) });
    expect(report.nodes.find((n) => n.name === 'node-c')?.partial).not.toBeNull();
    expect(renderDriftText(report, { color: false, all: false })).toMatch(/^\? node-c: 1 port not compared \(default\/web:http\): /m);
  });

  test('a port whose endpoint rules the input does not hold is not comparable on that node, never drift', () => {
    const full = writeRestorePayload(clusterWith(OLD_WEB), { largeCluster: true });
    // The endpoint chains of web cut out, and no comment names its endpoints (above 1000 endpoints kube-proxy writes none).
    const cut = full.split('\n').filter((l) => !/^-A KUBE-SEP-/.test(l) || !/10\.244\.2\.9|10\.244\.1\.10/.test(l)).join('\n');
    const d = digest(cut, 'node-c');
    expect(d.ports.find((p) => p.key === 'default/web:http/tcp')?.notComparable).not.toBeNull();
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b'), d]);
    expect(service(report, 'default/web:http')).toMatchObject({ status: 'consistent', outliers: [] });
  });

  test('across modes (iptables and IPVS nodes) ports pair by address and compare by endpoints; NodePort virtual services an unnamed listing cannot place are not compared', () => {
    const ipvs = digest(ipvsadmList(ipvsVirtualServices(clusterWith(WEB), ['192.168.0.10'])), 'node-ipvs');
    expect(ipvs.unnamedPorts).toBe(true);
    const same = compareNodes([iptables(clusterWith(WEB), 'node-a'), ipvs]);
    expect(same.summary.drifting).toBe(0);
    expect(service(same, 'default/web:http').nodes['node-ipvs']?.endpoints).toEqual(['10.244.1.10:8080', '10.244.2.11:8080']);
    const stale = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b'), digest(ipvsadmList(ipvsVirtualServices(clusterWith(OLD_WEB), ['192.168.0.10'])), 'node-ipvs')]);
    expect(stale.services.filter((s) => s.status === 'drift').map((s) => [s.name, s.outliers])).toEqual([['default/web:http', ['node-ipvs']]]);
  });

  test('with the EndpointSlices, a stale node is named even when it is the only node, or half the nodes', () => {
    const dns = (name: string, protocol: 'udp' | 'tcp'): ExpectedPort => ({ name, protocol, address: `10.96.0.10:53/${protocol}`, endpoints: ['10.244.1.2:53', '10.244.2.3:53'] });
    const web: ExpectedPort = { name: 'default/web:http', protocol: 'tcp', address: '10.96.100.20:80/tcp', endpoints: ['10.244.1.10:8080', '10.244.2.11:8080'] };
    const slices = [web, dns('kube-system/kube-dns:dns', 'udp'), dns('kube-system/kube-dns:dns-tcp', 'tcp')];
    const alone = compareNodes([iptables(clusterWith(OLD_WEB), 'node-a')], [slices, slices]);
    expect(service(alone, 'default/web:http')).toMatchObject({ status: 'drift', outliers: [], stale: ['node-a'], expected: ['10.244.1.10:8080', '10.244.2.11:8080'] });
    const half = compareNodes([iptables(clusterWith(OLD_WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b')], [slices, slices]);
    expect(service(half, 'default/web:http')).toMatchObject({ tie: true, stale: ['node-a'] });
    expect(half.summary.staleNodes).toEqual(['node-a']);
    // A node that matches the slices as read before or after the captures was right when it was read.
    const changing = compareNodes([iptables(clusterWith(OLD_WEB), 'node-a')], [[{ ...web, endpoints: ['10.244.1.10:8080', '10.244.2.9:8080'] }, ...slices.slice(1)], slices]);
    expect(changing.summary.staleNodes).toEqual([]);
    // A service the cluster no longer has, still programmed on a node: that node is stale.
    const deleted = compareNodes([iptables(clusterWith(WEB), 'node-a')], [[web], [web]]);
    expect(deleted.summary.staleNodes).toEqual(['node-a']);
    expect(service(deleted, 'kube-system/kube-dns:dns')).toMatchObject({ expected: [], stale: ['node-a'] });
  });

  test('one node stale on thirty ports of three nodes: one screen, a line a port, the odd node named last', () => {
    const services = (stale: boolean): ClusterSpec['services'] => Array.from({ length: 36 }, (_, i) => ({
      namespace: 'shop', name: `svc${String(i).padStart(2, '0')}`, clusterIP: `10.96.1.${i + 1}`,
      ports: [{ name: 'http', port: 80, protocol: 'tcp' as const, endpoints: [ep(stale && i < 30 ? `10.244.9.${i}` : `10.244.1.${i}`, 8080), ep(`10.244.2.${i}`, 8080)] }],
    }));
    const node = (name: string, stale: boolean) => iptables({ podCIDR: '10.244.0.0/16', services: services(stale) }, name);
    const report = compareNodes([node('node-a', false), node('node-b', false), node('node-c', true)]);
    const lines = renderDriftText(report, { color: false, all: false }).trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines.slice(2, 4)).toEqual([
      '~ shop/svc00:http  tcp  node-c: lacks 10.244.1.0:8080; sends to 10.244.9.0:8080 (on none of the others)',
      '~ shop/svc01:http  tcp  node-c: lacks 10.244.1.1:8080; sends to 10.244.9.1:8080 (on none of the others)',
    ]);
    expect(lines.slice(-4)).toEqual(['… and 15 more drifting ports (--all or -o json lists them all)', '', '6 ports consistent on every node compared (--all lists them)', '30 of 36 ports drift · odd node: node-c']);
    // With the EndpointSlices agreeing with the other nodes, the stale node's port is still one line.
    const slices: ExpectedPort[] = services(false).map((svc) => ({ name: `shop/${svc.name}:http`, protocol: 'tcp', address: `${svc.clusterIP}:80/tcp`, endpoints: (svc.ports[0] as { endpoints: EndpointSpec[] }).endpoints.map((e) => `${e.ip}:${e.port}`) }));
    const withSlices = renderDriftText(compareNodes([node('node-a', false), node('node-b', false), node('node-c', true)], [slices, slices]), { color: false, all: false }).trimEnd().split('\n');
    expect(withSlices.length).toBeLessThanOrEqual(24);
    expect(withSlices[2]).toBe('~ shop/svc00:http  tcp  node-c: lacks 10.244.1.0:8080; sends to 10.244.9.0:8080 (on none of the others) · stale: the EndpointSlices agree with the other nodes');
    expect(withSlices.at(-1)).toBe('30 of 36 ports drift · odd node: node-c · stale against the EndpointSlices: node-c');
  });

  test('ports no two nodes could be compared for are not counted as consistent: they are not compared', () => {
    // Corpus 17 (a fragment of one service, iptables mode) and 19 (ipvsadm -L -n of the same node after a switch to IPVS): only nginx-basic is in both.
    const [fragment, ipvs] = ['17-kubeadm-1.23-calico-iptables-mode-nodeport-fragments-before-ipvs.txt', '19-kubeadm-1.23-calico-ipvsadm-L-n-after-switch.txt'].map((f) => digest(fixture('corpus', f), f.slice(0, 2)));
    const report = compareNodes([fragment as NodeDigest, ipvs as NodeDigest]);
    expect(report.summary).toMatchObject({ ports: 10, drifting: 0, consistent: 10, notCompared: 9 });
    const text = renderDriftText(report, { color: false, all: true });
    expect(text).toMatch(/\n {2}default\/nginx-basic:http {2}tcp {2}3 endpoints on 2 nodes\n/);
    expect(text).toMatch(/\n {2}10\.96\.0\.10:53\/udp {2}udp {2}not compared \(0 nodes could be\)\n/);
    expect(text).toMatch(/\n1 port consistent on every node compared\n9 ports not compared: fewer than two nodes could be compared for them \(\? above says why\)\n0 of 10 ports drift\n$/);
  });

  test('a digest keeps references only: nodes holding a port alike share one object, and consistent ports keep no per-node entries unless asked', () => {
    const pool = new DigestPool();
    const read = (c: ClusterSpec, node: string) => digestSnapshot(parseSnapshot(writeRestorePayload(c), node), node, pool).digest;
    const [a, b, c] = [read(clusterWith(WEB), 'node-a'), read(clusterWith(WEB), 'node-b'), read(clusterWith(OLD_WEB), 'node-c')];
    expect(b.ports.every((p, i) => p === a.ports[i])).toBe(true);
    expect(c.ports.filter((p, i) => p !== a.ports[i]).map((p) => p.key)).toEqual(['default/web:http/tcp']);
    const lean = compareNodes([a, b, c], [], { consistentNodes: false });
    expect(service(lean, 'kube-system/kube-dns:dns').nodes).toEqual({});
    expect(Object.keys(service(lean, 'default/web:http').nodes)).toEqual(['node-a', 'node-b', 'node-c']);
  });

  test('--service that matches no port of any node: one line that speaks of the nodes, not of two inputs', () => {
    const report = compareNodes([iptables(clusterWith(WEB), 'node-a'), iptables(clusterWith(WEB), 'node-b'), iptables(clusterWith(WEB), 'node-c')]);
    expect(() => filterDrift(report, { services: ['default/webb'] })).toThrow(/^no service in any node matches --service default\/webb; in that namespace: default\/web:http$/);
  });

  test('nodes named alike are told apart by path, deterministically', () => {
    expect(uniqueNames([{ name: 'node-a', path: 'x/a.txt' }, { name: 'node-a', path: 'y/a.txt' }, { name: 'b.txt', path: 'b.txt' }, { name: 'b.txt', path: 'b.txt' }])).toEqual(['node-a (x/a.txt)', 'node-a (y/a.txt)', 'b.txt', 'b.txt #2']);
  });
});

describe('natdiff drift: the answer does not depend on the order of the nodes', () => {
  const nodeState = fc.record({ web: fc.constantFrom(WEB, OLD_WEB, [ep('10.244.3.3', 8080)], []), dropDns: fc.boolean() });
  prop.prop([fc.array(nodeState, { minLength: 2, maxLength: 6 }), fc.context()], { numRuns: 40 })('any permutation of the nodes gives the same report', (states, ctx) => {
    const digests = namedDigests(states.map((s, i) => {
      const c = clusterWith(s.web);
      return iptables(s.dropDns ? { ...c, services: c.services.filter((x) => x.name !== 'kube-dns') } : c, `node-${i}`);
    }));
    const reference = compareNodes(digests);
    for (const seed of [1, 2, 3]) {
      const permuted = fc.sample(fc.shuffledSubarray(digests, { minLength: digests.length, maxLength: digests.length }), { numRuns: 1, seed })[0] as NodeDigest[];
      ctx.log(permuted.map((d) => d.node).join(','));
      expect(compareNodes(permuted)).toEqual(reference);
    }
  });

  prop.prop([clusterArbitrary, fc.integer({ min: 2, max: 4 })], { numRuns: 25 })('nodes holding the same generated rules never drift', (c, n) => {
    const text = writeRestorePayload(c);
    const report = compareNodes(Array.from({ length: n }, (_, i) => digest(text, `node-${i}`)));
    expect(report.services.filter((s) => s.status === 'drift')).toEqual([]);
  });
});
