/**
 * Traces whose answers are computed by hand from small rule sets (tests/fixtures/hand-made/
 * trace-cases.txt, trace-loop.txt; the nftables fixtures' README gives their cluster).
 */
import type { Snapshot } from '../../../lib/model/snapshot';
import type { TraceResult } from '../../../lib/model/trace';
import { parseSnapshot } from '../../../lib/snapshot/load-snapshot';
import { tracePacket, type PacketOptions } from '../../../lib/trace/packet';
import { fixture } from '../../support/snapshots';

function traceOf(snapshot: Snapshot, options: PacketOptions): TraceResult {
  return (snapshot.trace as NonNullable<Snapshot['trace']>)(tracePacket(options));
}

const cases = parseSnapshot(fixture('hand-made', 'trace-cases.txt'), 'trace-cases.txt');
const destinations = (r: TraceResult): [string, number][] => r.destinations.map((d) => [d.address, d.probability]);

describe('iptables: session affinity', () => {
  test('a first packet matches no affinity entry: the statistic ladder decides, 25% then the rest', () => {
    const r = traceOf(cases, { to: '10.96.0.20:80' });
    expect(destinations(r)).toEqual([['10.244.2.2:8080', 0.75], ['10.244.1.1:8080', 0.25]]);
    expect(r.unmatched).toBe(0);
    expect(r.assumptions).toEqual([]);
  });

  test("--affinity-hit ENDPOINT: the recent check of that endpoint's chain matches, every connection goes back to it", () => {
    expect(destinations(traceOf(cases, { to: '10.96.0.20:80', affinityHit: '10.244.2.2:8080' }))).toEqual([['10.244.2.2:8080', 1]]);
    expect(destinations(traceOf(cases, { to: '10.96.0.20:80', affinityHit: '10.244.1.1:8080' }))).toEqual([['10.244.1.1:8080', 1]]);
  });
});

describe('iptables: a negated source match (! -s 10.0.0.0/8 -j KUBE-MARK-MASQ)', () => {
  test('without --from, masquerading depends on the source: sometimes', () => {
    expect(traceOf(cases, { to: '10.96.0.20:80' }).masquerade).toBe('sometimes');
  });

  test('--from outside 10.0.0.0/8: always masqueraded (mark 0x4000, KUBE-POSTROUTING masquerades)', () => {
    const r = traceOf(cases, { to: '10.96.0.20:80', from: '192.168.7.7' });
    expect(r.masquerade).toBe('always');
    expect(r.paths.map((p) => p.chains.join(' '))).toContain('PREROUTING KUBE-SERVICES KUBE-SVC-AAAAAAAAAAAAAAAA KUBE-MARK-MASQ KUBE-SEP-AAAAAAAAAAAAAAA2 POSTROUTING KUBE-POSTROUTING');
  });

  test('--from inside it: never; from the endpoint itself (hairpin), masqueraded on that path only', () => {
    expect(traceOf(cases, { to: '10.96.0.20:80', from: '10.1.2.3' }).masquerade).toBe('never');
    const hairpin = traceOf(cases, { to: '10.96.0.20:80', from: '10.244.1.1' });
    expect(hairpin.masquerade).toBe('sometimes');
    expect(hairpin.paths.map((p) => [p.result, p.masquerade])).toEqual([['10.244.2.2:8080', false], ['10.244.1.1:8080', true]]);
  });
});

describe('iptables: addrtype --dst-type LOCAL (NodePorts)', () => {
  test('without --node-ip a node address is not known to be local: the NodePort is not reached, and that is an assumption', () => {
    const r = traceOf(cases, { to: '192.168.0.10:30080' });
    expect(r.destinations).toEqual([]);
    expect(r.unmatchedBy.untranslated).toBe(1);
    expect(r.assumptions.map((a) => a.message)).toEqual([expect.stringContaining('give --node-ip')]);
  });

  test('with --node-ip it is: the NodePort sends to the service\'s endpoints', () => {
    const r = traceOf(cases, { to: '192.168.0.10:30080', nodeIp: ['192.168.0.10'] });
    expect(destinations(r)).toEqual([['10.244.2.2:8080', 0.75], ['10.244.1.1:8080', 0.25]]);
    expect(r.assumptions).toEqual([]);
  });

  test('a loopback destination is local without --node-ip', () => {
    expect(destinations(traceOf(cases, { to: '127.0.0.1:30080' }))).toEqual([['10.244.2.2:8080', 0.75], ['10.244.1.1:8080', 0.25]]);
  });
});

test("iptables, corpus 12 (k3s, kube-dns without endpoints): the nat table leaves it untranslated, kube-proxy's filter KUBE-SERVICES rejects it", () => {
  const k3s = parseSnapshot(fixture('corpus', '12-k3s-iptables-save-c-counters-noendpoints-reject.txt'), '12.txt');
  const r = traceOf(k3s, { to: '10.43.0.10:53/udp' });
  expect(r.unmatchedBy.rejected).toBe(1);
  expect(r.paths).toEqual([{ chains: ['PREROUTING', 'KUBE-SERVICES', 'filter:KUBE-SERVICES'], probability: 1, result: 'rejected', masquerade: false }]);
});

describe('iptables: RETURN', () => {
  test('an endpoint chain that returns at once sends its share on down the ladder: all to the last endpoint', () => {
    const r = traceOf(cases, { to: '10.96.0.30:53/udp' });
    expect(destinations(r)).toEqual([['10.244.4.4:53', 1]]);
    expect(r.paths.map((p) => [p.chains.slice(0, 5).join(' '), p.probability])).toEqual([
      ['PREROUTING KUBE-SERVICES KUBE-SVC-BBBBBBBBBBBBBBBB KUBE-SEP-BBBBBBBBBBBBBBB3 KUBE-SEP-BBBBBBBBBBBBBBB4', 0.5],
      ['PREROUTING KUBE-SERVICES KUBE-SVC-BBBBBBBBBBBBBBBB KUBE-SEP-BBBBBBBBBBBBBBB4 POSTROUTING', 0.5],
    ]);
  });

  test('RETURN in a built-in chain is its policy: the packet leaves PREROUTING untranslated, while --local (OUTPUT) reaches the service', () => {
    const r = traceOf(cases, { to: '10.96.0.40:53/udp' });
    expect(r.unmatchedBy).toEqual({ untranslated: 1, dropped: 0, rejected: 0, loop: 0, unknown: 0 });
    expect(r.paths).toEqual([{ chains: ['PREROUTING', 'POSTROUTING', 'KUBE-POSTROUTING'], probability: 1, result: 'untranslated', masquerade: false }]);
    expect(destinations(traceOf(cases, { to: '10.96.0.40:53/udp', local: true }))).toEqual([['10.244.5.5:53', 1]]);
  });
});

test('a chain loop is found, not followed: an error finding and a path that ends there, the rest traced', () => {
  const loop = parseSnapshot(fixture('hand-made', 'trace-loop.txt'), 'trace-loop.txt');
  const r = traceOf(loop, { to: '10.96.0.50:80' });
  expect(r.findings).toEqual([{ kind: 'chain-loop', chain: 'KUBE-EXT-LOOPLOOPLOOPLOOP', line: 10, message: expect.stringContaining('chain loop: KUBE-EXT-LOOPLOOPLOOPLOOP leads back to KUBE-SVC-LOOPLOOPLOOPLOOP') }]);
  expect(destinations(r)).toEqual([['10.244.5.5:80', 0.5]]);
  expect(r.unmatchedBy.loop).toBe(0.5);
});

describe('nftables', () => {
  const nft = parseSnapshot(fixture('nftables', 'k8s-1.30-1.33.list.txt'), 'k8s-1.30-1.33.list.txt');

  test('numgen buckets are equal branches; an affinity set holds a client only for --affinity-hit', () => {
    expect(destinations(traceOf(nft, { to: '10.96.100.20:80' }))).toEqual([['10.244.1.10:8080', 0.5], ['10.244.2.11:8080', 0.5]]);
    expect(destinations(traceOf(nft, { to: '10.96.100.20:80', affinityHit: '10.244.2.11:8080' }))).toEqual([['10.244.2.11:8080', 1]]);
  });

  test('masquerading: the mark set for a source outside the pod CIDR, read back in the postrouting chain', () => {
    expect(traceOf(nft, { to: '10.96.0.10:53/udp', from: '192.168.7.7' }).masquerade).toBe('always');
    expect(traceOf(nft, { to: '10.96.0.10:53/udp', from: '10.244.9.9' }).masquerade).toBe('never');
    expect(traceOf(nft, { to: '10.96.0.10:53/udp' }).masquerade).toBe('sometimes');
  });

  test('1.36+ hairpin: `ct status dnat` and the hairpin-connections set masquerade a client sent back to itself, and only that path', () => {
    const latest = parseSnapshot(fixture('nftables', 'k8s-1.36.list.txt'), 'k8s-1.36.list.txt');
    const r = traceOf(latest, { to: '10.96.0.10:53/udp', from: '10.244.1.2' });
    expect(r.paths.map((p) => [p.result, p.masquerade])).toEqual([['10.244.1.2:53', true], ['10.244.2.3:53', false]]);
    expect(r.assumptions).toEqual([]);
    expect(traceOf(latest, { to: '10.96.0.10:53/udp', from: '10.244.9.9' }).masquerade).toBe('never');
  });

  test("kube-proxy's filter chains: a port with no endpoints is rejected, a cluster IP's unused port rejected, a load balancer dropped for a source outside its ranges", () => {
    expect(traceOf(nft, { to: '10.96.100.30:80' }).unmatchedBy.rejected).toBe(1);
    expect(traceOf(nft, { to: '10.96.0.10:9153/udp' }).paths).toEqual([expect.objectContaining({ result: 'rejected', chains: expect.arrayContaining(['filter-forward', 'cluster-ips-check']) })]);
    expect(traceOf(nft, { to: '203.0.113.50:443', from: '192.0.2.1' }).unmatchedBy.dropped).toBe(1);
    expect(traceOf(nft, { to: '203.0.113.50:443', from: '198.51.100.7' }).destinations.length).toBeGreaterThan(0);
  });

  test('a NodePort through the nodeport-ips set, and the one-rule dnat map layout (1.36+)', () => {
    expect(destinations(traceOf(nft, { to: '192.168.0.10:30080' }))).toEqual([['10.244.1.10:8080', 0.5], ['10.244.2.11:8080', 0.5]]);
    const master = parseSnapshot(fixture('nftables', 'k8s-master.list.txt'), 'k8s-master.list.txt');
    expect(destinations(traceOf(master, { to: '10.96.0.10:53/udp' }))).toEqual([['10.244.1.2:53', 0.5], ['10.244.2.3:53', 0.5]]);
  });
});

test('IPVS: real servers by weight, the scheduler named as an assumption', () => {
  const ipvs = parseSnapshot(fixture('ipvs', 'ipvsadm-Ln.txt'), 'ipvsadm-Ln.txt');
  const view = ipvs.describe([]).model.ports.find((p) => p.clusterIP !== null && p.endpoints.length > 1);
  if (!view || view.clusterIP === null || view.port === null) throw new Error('fixture has no port with two endpoints');
  const r = traceOf(ipvs, { to: `${view.clusterIP}:${view.port}/${view.protocol}` });
  expect(destinations(r)).toEqual(view.endpoints.filter((e) => e.share > 0).map((e) => [e.address, e.share]).sort((a, b) => (b[1] as number) - (a[1] as number) || ((a[0] as string) < (b[0] as string) ? -1 : 1)));
  expect(r.assumptions.map((a) => a.message).join('\n')).toMatch(/scheduler \w+/);
});

test('IPVS, corpus 15 (a rolling update): the real server of weight 0 gets no new connection, and the trace names it as draining', () => {
  const ipvs = parseSnapshot(fixture('corpus', '15-ipvsadm-nodeport-10rs-weight0-terminating.txt'), '15.txt');
  const r = traceOf(ipvs, { to: '192.168.1.2:30232' });
  expect(r.destinations).toHaveLength(9);
  expect(r.destinations.map((d) => d.address)).not.toContain('11.0.4.9:80');
  for (const d of r.destinations) expect(d.probability).toBeCloseTo(1 / 9, 8);
  expect(r.assumptions).toContainEqual({ chain: 'TCP 192.168.1.2:30232', line: 3, message: '11.0.4.9:80: weight 0, draining: given no new connections' });
});

describe('packet options', () => {
  test('IPv6 in brackets with a protocol; tcp by default', () => {
    expect(tracePacket({ to: '[fd00::a]:53/udp' })).toMatchObject({ destinationIp: 'fd00::a', port: 53, protocol: 'udp' });
    expect(tracePacket({ to: '10.96.0.10:443' }).protocol).toBe('tcp');
  });

  test.each([
    ['10.96.0.10', /--to 10.96.0.10: give IP:PORT/],
    ['10.96.0.10:0', /the port must be 1 to 65535/],
    ['10.96.0.10:53/icmp', /the protocol must be one of tcp, udp, sctp/],
    ['fd00::a:53', /give IP:PORT/],
  ])('--to %s is refused in one line', (to, message) => {
    expect(() => tracePacket({ to })).toThrow(message);
  });

  test('--from of the other family is refused', () => {
    expect(() => tracePacket({ to: '10.96.0.10:53', from: 'fd00::1' })).toThrow(/--from fd00::1 is IPv6 but --to is IPv4/);
  });
});
