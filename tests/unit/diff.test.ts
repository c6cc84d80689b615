import { writeRestorePayload, type ClusterSpec, type ServiceSpec } from '../support/kube-proxy-writer';
import { bundled, diffTexts, fixture } from '../support/snapshots';

const dns = (ips: string[]): ServiceSpec => ({
  namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10',
  ports: [{ name: 'dns', port: 53, protocol: 'udp', endpoints: ips.map((ip) => ({ ip, port: 53 })) }],
});
const web: ServiceSpec = { namespace: 'default', name: 'web', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [{ ip: '10.244.3.3', port: 8080 }] }] };
const clusterOf = (...services: ServiceSpec[]): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services });

describe('the coredns scale 2 → 4 from the seed article', () => {
  const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));

  test.each(['kube-system/kube-dns:dns/udp', 'kube-system/kube-dns:dns-tcp/tcp', 'kube-system/kube-dns:metrics/tcp'])('%s: two endpoints added, 0.5 → 0.25/0.333/0.5, 50%% → 25%%', (key) => {
    const s = report.services.find((x) => x.key === key);
    const port = key.includes('metrics') ? 9153 : 53;
    expect(s?.status).toBe('changed');
    expect(s?.endpointsAdded).toEqual([`10.244.0.7:${port}`, `10.244.0.8:${port}`]);
    expect(s?.endpointsRemoved).toEqual([]);
    expect(s?.before?.endpoints.map((e) => e.share)).toEqual([0.5, 0.5]);
    expect(s?.after?.endpoints.map((e) => [e.probability, e.share])).toEqual([[0.25, 0.25], [0.33333333349, 0.25], [0.5, 0.25], [null, 0.25]]);
  });

  test('the API server service is unchanged, and the summary counts it all', () => {
    expect(report.services.find((x) => x.key === 'default/kubernetes:https/tcp')?.status).toBe('unchanged');
    expect(report.summary).toMatchObject({ servicesChanged: 3, servicesUnchanged: 1, endpointsAdded: 6, endpointsRemoved: 0, chainsAdded: 6, rulesAdded: 18, rulesChanged: 6, changed: true });
  });
});

describe('noise is not change', () => {
  test('the same cluster written in another map order: chains, KUBE-SERVICES and declarations reshuffled', () => {
    const more = ['a', 'b', 'c'].map((n, i): ServiceSpec => ({ ...web, name: n, clusterIP: `10.96.2.${i}` }));
    const c = clusterOf(dns(['10.244.0.5', '10.244.0.6']), web, ...more);
    const [one, two] = [writeRestorePayload(c, { seed: 1 }), writeRestorePayload(c, { seed: 2 })];
    expect(one).not.toBe(two);
    const report = diffTexts(one, two);
    expect(report.summary.changed).toBe(false);
    expect(report.chains).toEqual([]);
    expect(report.noise.reorderedNoEffect).toEqual(['KUBE-SERVICES']);
  });

  test('comments dropped in large-cluster mode are noise', () => {
    const c = clusterOf(dns(['10.244.0.5', '10.244.0.6']));
    const report = diffTexts(writeRestorePayload(c), writeRestorePayload(c, { largeCluster: true }));
    expect(report.summary.changed).toBe(false);
    expect(report.noise.commentOnly).toBeGreaterThan(0);
  });

  test('a restore payload and the iptables-save capture of it (captured with real iptables)', () => {
    const report = diffTexts(fixture('captured', 'kube-proxy-payload.txt'), fixture('captured', 'iptables-save-of-payload.txt'));
    expect(report.summary.changed).toBe(false);
    expect(report.noise.formattingOnly).toBeGreaterThan(20);
    expect(report.noise.implicitBuiltins).toBe(4); // nat PREROUTING, INPUT, OUTPUT, POSTROUTING: the payload declares none
  });
});

describe('chains are compared by meaning', () => {
  test('kube-proxy <= 1.18 and >= 1.19 hash an unnamed port differently: renamed, not removed and added', () => {
    const old = [
      '-A KUBE-SERVICES -d 10.0.0.7/32 -p tcp -m comment --comment "default/hostnames: cluster IP" -m tcp --dport 80 -j KUBE-SVC-NWV5X2332I4OT4T3',
      '-A KUBE-SVC-NWV5X2332I4OT4T3 -m comment --comment "default/hostnames:" -j KUBE-SEP-57KPRZ3JQVENLNBR',
      '-A KUBE-SEP-57KPRZ3JQVENLNBR -p tcp -m comment --comment "default/hostnames:" -m tcp -j DNAT --to-destination 10.244.3.6:9376',
    ].join('\n');
    const now = old.replace(/default\/hostnames:/g, 'default/hostnames').replace(/NWV5X2332I4OT4T3/g, 'RQTAYHHDYVFT5RBP').replace(/57KPRZ3JQVENLNBR/g, 'ZZ5SEPHASHZZZZZZ');
    const report = diffTexts(old, now);
    expect(report.services.map((s) => [s.key, s.status])).toEqual([['default/hostnames/tcp', 'unchanged']]);
    expect(report.chains.map((c) => [c.name, c.status, c.renamedFrom, c.added.length, c.removed.length])).toEqual([
      ['KUBE-SEP-ZZ5SEPHASHZZZZZZ', 'renamed', 'KUBE-SEP-57KPRZ3JQVENLNBR', 0, 0],
      ['KUBE-SVC-RQTAYHHDYVFT5RBP', 'renamed', 'KUBE-SVC-NWV5X2332I4OT4T3', 0, 0],
    ]);
    expect(report.summary.chainsRenamed).toBe(2);
  });

  test('a re-weighted endpoint rule is one changed rule', () => {
    const report = diffTexts(writeRestorePayload(clusterOf(dns(['10.244.0.5', '10.244.0.6']))), writeRestorePayload(clusterOf(dns(['10.244.0.5', '10.244.0.6', '10.244.0.7']))));
    const svc = report.chains.find((c) => c.name === 'KUBE-SVC-TCOU7JCQXEZGVUNU');
    const weight = (text: string) => /--probability (\S+)/.exec(text)?.[1] ?? 'last';
    expect(svc?.changed.map((p) => `${weight(p.before.text)} → ${weight(p.after.text)}`)).toEqual(['0.50000000000 → 0.33333333349', 'last → 0.50000000000']);
    expect(svc?.added.map((r) => r.text)).toEqual([expect.stringContaining('kube-system/kube-dns:dns -> 10.244.0.7:53')]);
  });

  test('a rule order that can change which rule a packet hits is a change', () => {
    const before = '-N X\n-A X -s 10.0.0.0/8 -j RETURN\n-A X -j DROP\n';
    const after = '-N X\n-A X -j DROP\n-A X -s 10.0.0.0/8 -j RETURN\n';
    const report = diffTexts(before, after);
    expect(report.chains).toEqual([expect.objectContaining({ name: 'X', status: 'changed', reordered: 'possible', added: [], removed: [] })]);
    expect(report.summary.changed).toBe(true);
  });

  test('rules of other software are diffed as rules', () => {
    const report = diffTexts('-N cali-nat\n-A cali-nat -o vxlan.calico -j MASQUERADE\n', '-N cali-nat\n-A cali-nat -o vxlan.calico -j MASQUERADE --random-fully\n');
    expect(report.chains.map((c) => [c.name, c.added.length, c.removed.length])).toEqual([['cali-nat', 1, 1]]);
  });
});

describe('services', () => {
  test('affinity switched off, same endpoints (corpus 10 → 11)', () => {
    const report = diffTexts(fixture('corpus', '10-affinity-clientip-nodeport-3ep-before.txt'), fixture('corpus', '11-affinity-none-nodeport-3ep-after.txt'));
    const s = report.services[0];
    expect(s?.status).toBe('changed');
    expect(s?.changes).toEqual([{ field: 'affinity', before: 'ClientIP 10800s', after: 'none' }]);
    expect(s?.endpointsAdded).toEqual([]);
  });

  test('scale 3 → 6 with externalTrafficPolicy Cluster → Local (corpus 03 → 04)', () => {
    const report = diffTexts(fixture('corpus', '03-k3s-metallb-svc-3pods-etp-cluster-before.txt'), fixture('corpus', '04-k3s-metallb-svc-6pods-etp-local-after.txt'));
    const s = report.services.find((x) => x.key === 'default/nginx-mlb-l2-service/tcp');
    expect(s?.endpointsAdded).toEqual(['10.42.0.26:8080', '10.42.2.21:8080', '10.42.2.22:8080']);
    expect(s?.after?.endpoints.every((e) => Math.abs(e.share - 1 / 6) < 1e-6)).toBe(true);
    expect(s?.changes.map((c) => c.field)).toEqual(expect.arrayContaining(['probabilities', 'shares', 'localEndpoints']));
  });

  test('a service appears and one disappears', () => {
    const report = diffTexts(writeRestorePayload(clusterOf(dns(['10.244.0.5']))), writeRestorePayload(clusterOf(web)));
    expect(report.services.map((s) => [s.key, s.status])).toEqual([['default/web:http/tcp', 'added'], ['kube-system/kube-dns:dns/udp', 'removed']]);
  });
});
