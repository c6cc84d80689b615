import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { toSaveFormat } from '../support/save-format';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { bundled, diffTexts, modelOf, port, snapshotOf } from '../support/snapshots';
import { identityKey, type ChainIdentity } from '../../lib/model/snapshot';

const keyOf = (id: ChainIdentity | undefined): string | undefined => id && identityKey(id);

const cluster: ClusterSpec = {
  podCIDR: '10.244.0.0/16',
  services: [
    {
      namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'udp', endpoints: [{ ip: '10.244.0.5', port: 53 }, { ip: '10.244.0.6', port: 53 }, { ip: '10.244.0.10', port: 53 }, { ip: '10.244.1.7', port: 53 }] },
        { name: 'metrics', port: 9153, protocol: 'tcp', endpoints: [] },
      ],
    },
    {
      namespace: 'web', name: 'shop', clusterIP: '10.96.5.5', externalTrafficPolicy: 'Local', affinitySeconds: 600, loadBalancerIPs: ['203.0.113.7'], externalIPs: ['198.51.100.2'],
      ports: [{ name: '', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.5', port: 8080, local: true }, { ip: '10.244.2.5', port: 8080 }, { ip: '10.244.2.6', port: 8080, local: true }] }],
    },
  ],
};

describe('service model from kube-proxy (>= 1.25) rules', () => {
  const model = modelOf(writeRestorePayload(cluster, { seed: 7 }));

  test('endpoints in chain order (kube-proxy sorts ip:port as strings), with rule probabilities and shares', () => {
    const dns = port(model, 'kube-system/kube-dns:dns/udp');
    expect(dns).toMatchObject({ name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, refs: ['KUBE-SVC-TCOU7JCQXEZGVUNU'] });
    expect(dns.endpoints.map((e) => [e.address, e.probability, e.share])).toEqual([
      ['10.244.0.10:53', 0.25, 0.25],
      ['10.244.0.5:53', 0.33333333349, 0.25],
      ['10.244.0.6:53', 0.5, 0.25],
      ['10.244.1.7:53', null, 0.25],
    ]);
  });

  test('a port without endpoints: the filter table rejects its traffic', () => {
    expect(port(model, 'kube-system/kube-dns:metrics/tcp')).toMatchObject({ clusterIP: '10.96.0.10', port: 9153, endpoints: [], noEndpoints: 'reject' });
  });

  test('node port, load-balancer and external IPs, affinity, and local endpoints of a Local policy', () => {
    const shop = port(model, 'web/shop/tcp');
    expect(shop).toMatchObject({ name: 'web/shop', nodePorts: [30080], loadBalancerIPs: ['203.0.113.7'], externalIPs: ['198.51.100.2'], affinitySeconds: 600, noLocalEndpoints: false });
    expect(shop.endpoints.map((e) => e.address)).toEqual(['10.244.1.5:8080', '10.244.2.5:8080', '10.244.2.6:8080']);
    expect(shop.localEndpoints?.map((e) => [e.address, e.share])).toEqual([['10.244.1.5:8080', 0.5], ['10.244.2.6:8080', 0.5]]);
    const suffix = shop.refs[0]?.slice('KUBE-SVC-'.length);
    expect(shop.refs).toEqual([`KUBE-SVC-${suffix}`, `KUBE-SVL-${suffix}`, `KUBE-EXT-${suffix}`]);
  });

  test('chains are identified by what they serve', () => {
    const s = snapshotOf(writeRestorePayload(cluster));
    const view = s.describe(s.serviceNames());
    expect(keyOf(view.chainIdentity('KUBE-SVC-TCOU7JCQXEZGVUNU'))).toBe('svc:kube-system/kube-dns:dns/udp');
    expect(keyOf(view.chainIdentity('KUBE-SEP-LPGSDLJ3FDW46N4W'))).toBe('sep:kube-system/kube-dns:dns/udp@10.244.0.5:53');
    expect(view.findings).toEqual([]);
  });
});

test('a port\'s own chains are read in one order whatever order they are declared in: a restore payload and its iptables-save tell one port, though its chains disagree', () => {
  // No cluster IP rule in KUBE-SERVICES, and a masquerade rule of another cluster IP in the
  // external chain: which chain is read first decides the cluster IP.
  const disagreeing = (text: string) =>
    text
      .replace(/^-A KUBE-SERVICES .*"web\/shop cluster IP".*\n/m, '')
      .replace(/^(-A (KUBE-EXT-\w+) .*)$/m, '-A $2 -d 10.9.9.9/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ\n$1');
  const payload = disagreeing(writeRestorePayload(cluster, { seed: 7 }));
  expect(port(modelOf(toSaveFormat(payload)), 'web/shop/tcp')).toEqual(port(modelOf(payload), 'web/shop/tcp'));
});

describe('large clusters: no comments on endpoint rules', () => {
  const text = writeRestorePayload(cluster, { largeCluster: true });

  test('endpoints come from the DNAT rules; names from KUBE-SERVICES', () => {
    const dns = port(modelOf(text), 'kube-system/kube-dns:dns/udp');
    expect(dns.endpoints).toHaveLength(4);
    expect(dns.endpoints[0]?.address).toBe('10.244.0.10:53');
  });

  test('with no comments at all, a service is its cluster IP, port and protocol, and its chain', () => {
    const bare = text.replace(/-m comment --comment ("[^"]*"|\S+) /g, '');
    const model = modelOf(bare);
    const dns = port(model, '10.96.0.10:53/udp');
    expect(dns.name).toBeNull();
    expect(dns.refs).toEqual(['KUBE-SVC-TCOU7JCQXEZGVUNU']);
  });

  test('a name is recovered by hashing candidates: the chain name is that hash', () => {
    const bare = text.replace(/-m comment --comment ("[^"]*"|\S+) /g, '');
    const s = snapshotOf(bare);
    const model = s.describe(['kube-system/kube-dns:dns', 'kube-system/other:x']).model;
    expect(port(model, 'kube-system/kube-dns:dns/udp').clusterIP).toBe('10.96.0.10');
  });
});

describe('what the rules get wrong is reported, not hidden', () => {
  test('a chain whose name does not match what it serves', () => {
    const text = writeRestorePayload(cluster).replace(/KUBE-SVC-TCOU7JCQXEZGVUNU/g, 'KUBE-SVC-AAAAAAAAAAAAAAAA');
    const s = snapshotOf(text);
    const view = s.describe(s.serviceNames());
    expect(view.findings.map((f) => f.kind)).toContain('name-mismatch');
    expect(view.findings.find((f) => f.kind === 'name-mismatch')?.message).toMatch(/KUBE-SVC-AAAAAAAAAAAAAAAA serve kube-system\/kube-dns:dns\/udp, but kube-proxy would name them KUBE-…-TCOU7JCQXEZGVUNU/);
  });

  test('DNAT [unsupported revision]: the rule is kept, the endpoint flagged, a warning names the line', () => {
    const text = writeRestorePayload(cluster).replace('-j DNAT --to-destination 10.244.0.5:53', '-j DNAT [unsupported revision]');
    const s = snapshotOf(text);
    const view = s.describe(s.serviceNames());
    const ep = port(view.model, 'kube-system/kube-dns:dns/udp').endpoints.find((e) => e.ref === 'KUBE-SEP-LPGSDLJ3FDW46N4W');
    expect(ep?.issues).toEqual(['unknown-destination', 'unsupported-revision']);
    expect(ep?.address).toBe('10.244.0.5:53'); // from the jump rule's comment
    const line = text.split('\n').findIndex((l) => l.includes('[unsupported revision]')) + 1;
    expect(view.warnings).toEqual([expect.objectContaining({ line, message: expect.stringMatching(/KUBE-SEP-LPGSDLJ3FDW46N4W: its DNAT is printed as \[unsupported revision\]/) })]);
  });
});

describe('redacted dumps: chains are read by what they do, whatever their names', () => {
  const real = bundled('coredns-scale-2to4-before.txt');
  const dnsOf = (text: string) => {
    const s = snapshotOf(text);
    const view = s.describe(s.serviceNames());
    return { dns: port(view.model, 'kube-system/kube-dns:dns/udp'), warnings: view.warnings.map((w) => w.message), findings: view.findings };
  };

  test.each([
    ['KUBE-SEP-AAAAAAAAAAAAAAA1', 'KUBE-SEP-XXXX'],
    ['EP-ONE', 'KUBE-SEP-IRMT6RY5EEEBXDAY'],
  ])('endpoint chains %s and %s: both endpoints, 50%% each, one warning', (first, second) => {
    const text = real.replace(/KUBE-SEP-LPGSDLJ3FDW46N4W/g, first).replace(/KUBE-SEP-IRMT6RY5EEEBXDAY/g, second);
    const { dns, warnings, findings } = dnsOf(text);
    expect(dns.endpoints.map((e) => [e.address, e.share, e.ref])).toEqual([['10.244.0.5:53', 0.5, first], ['10.244.0.6:53', 0.5, second]]);
    const odd = [first, second].filter((n) => n !== 'KUBE-SEP-IRMT6RY5EEEBXDAY');
    expect(warnings).toEqual([`${odd.length} chain${odd.length > 1 ? 's have names' : ' has a name'} kube-proxy would not write (${odd.join(', ')}; redacted?): read by what ${odd.length > 1 ? 'they do' : 'it does'}`]);
    expect(findings).toEqual([]);
  });

  test('a service chain KUBE-SVC-REDACTED: the service is read from what jumps to it and what it jumps to', () => {
    const { dns, warnings } = dnsOf(real.replace(/KUBE-SVC-TCOU7JCQXEZGVUNU/g, 'KUBE-SVC-REDACTED'));
    expect(dns).toMatchObject({ clusterIP: '10.96.0.10', port: 53, refs: ['KUBE-SVC-REDACTED'] });
    expect(dns.endpoints.map((e) => [e.address, e.share])).toEqual([['10.244.0.5:53', 0.5], ['10.244.0.6:53', 0.5]]);
    expect(warnings).toEqual(['1 chain has a name kube-proxy would not write (KUBE-SVC-REDACTED; redacted?): read by what it does']);
  });

  test('the redacted dump against the real one: the same services, chains renamed', () => {
    const redacted = real.replace(/KUBE-SEP-LPGSDLJ3FDW46N4W/g, 'KUBE-SEP-XXXX').replace(/KUBE-SVC-TCOU7JCQXEZGVUNU/g, 'KUBE-SVC-REDACTED');
    const report = diffTexts(real, redacted);
    expect(report.services.every((s) => s.status === 'unchanged')).toBe(true);
    expect(report.chains.map((c) => [c.name, c.status])).toEqual([['KUBE-SEP-XXXX', 'renamed'], ['KUBE-SVC-REDACTED', 'renamed']]);
  });
});

describe('the second dump of a diff, read alike the first', () => {
  const text = writeRestorePayload(cluster, { seed: 7 });
  const first = snapshotOf(text, 'before');
  const endpointsOf = (s: ReturnType<typeof snapshotOf>, key: string) => port(s.describe(s.serviceNames()).model, key).endpoints;
  const dnsBefore = endpointsOf(first, 'kube-system/kube-dns:dns/udp');

  test('an unchanged service chain takes the endpoint list already read, checked by identity', () => {
    const second = parseSnapshot(text, 'after', { alike: first });
    expect(endpointsOf(second, 'kube-system/kube-dns:dns/udp')).toBe(dnsBefore);
  });

  test('a service chain whose endpoint chain changed under the same name is read again', () => {
    expect(first.describe(first.serviceNames()).findings).toEqual([]);
    expect(endpointsOf(parseSnapshot(text, 'after', { alike: first }), 'web/shop/tcp')).toBe(endpointsOf(first, 'web/shop/tcp'));
    const moved = text.replace('--to-destination 10.244.2.5:8080', '--to-destination 10.244.2.5:9090');
    expect(moved).not.toBe(text);
    const second = parseSnapshot(moved, 'after', { alike: first });
    expect(endpointsOf(second, 'kube-system/kube-dns:dns/udp')).toBe(dnsBefore);
    expect(endpointsOf(second, 'web/shop/tcp').map((e) => e.address)).toEqual(['10.244.1.5:8080', '10.244.2.5:9090', '10.244.2.6:8080']);
    expect(second.describe(second.serviceNames()).findings.map((f) => f.kind)).toContain('name-mismatch');
  });
});
