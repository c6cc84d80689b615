/**
 * The `iptables -L` listings of the corpus (tests/fixtures/corpus/SOURCES.md): each gives the
 * service model it holds, and the pairs diff as the change they show. 28 is 06's state listed
 * with -nvL: one model, and rule changes only where 06 (no -v) cannot show interfaces.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { listingSnapshot, modelOfSnapshot } from '../support/listing';
import { fixture, port } from '../support/snapshots';

const corpus = (name: string) => listingSnapshot(fixture('corpus', name), name);
const EKS_BEFORE = '01-eks-echoserver-scale-before.txt';
const EKS_AFTER = '02-eks-echoserver-scale-after.txt';
const FLANNEL_BEFORE = '05-kubeadm-flannel-nodeport-create-before.txt';
const FLANNEL_AFTER = '06-kubeadm-flannel-nodeport-create-after.txt';
const MINIKUBE = '20-minikube-10ep-svc-chain-list-uneven.txt';
const FLANNEL_NVL = '28-kubeadm-flannel-nodeport-nvL-counters-same-state-as-06.txt';

function summary(name: string) {
  return modelOfSnapshot(corpus(name)).ports.map((p) => ({ key: p.key, clusterIP: p.clusterIP, port: p.port, nodePorts: p.nodePorts, endpoints: p.endpoints.map((e) => `${e.address}=${e.share}`) }));
}

test('01: EKS, comments only in KUBE-SERVICES: four service ports, each endpoint where its KUBE-SEP DNATs', () => {
  expect(summary(EKS_BEFORE)).toEqual([
    { key: 'default/echoserver/tcp', clusterIP: '10.100.252.247', port: 80, nodePorts: [], endpoints: ['192.168.22.34:80=1'] },
    { key: 'default/kubernetes:https/tcp', clusterIP: '10.100.0.1', port: 443, nodePorts: [], endpoints: ['192.168.122.214:443=0.5', '192.168.93.125:443=0.5'] },
    { key: 'kube-system/kube-dns:dns-tcp/tcp', clusterIP: '10.100.0.10', port: 53, nodePorts: [], endpoints: ['192.168.26.30:53=0.5', '192.168.33.247:53=0.5'] },
    { key: 'kube-system/kube-dns:dns/udp', clusterIP: '10.100.0.10', port: 53, nodePorts: [], endpoints: ['192.168.26.30:53=0.5', '192.168.33.247:53=0.5'] },
  ]);
});

test('01 → 02: the EKS scale, echoserver 1 → 2 endpoints at 50%, and nothing else', () => {
  const report = diffSnapshots(corpus(EKS_BEFORE), corpus(EKS_AFTER));
  expect(report.services.filter((s) => s.status !== 'unchanged').map((s) => ({ key: s.key, added: s.endpointsAdded, removed: s.endpointsRemoved, changes: s.changes.map((c) => c.field) }))).toEqual([
    { key: 'default/echoserver/tcp', added: ['192.168.44.236:80'], removed: [], changes: ['probabilities', 'shares'] },
  ]);
  expect(report.chains.map((c) => `${c.status} ${c.name}`)).toEqual(['added KUBE-SEP-HIBSAFMSP655Q4B7', 'changed KUBE-SVC-ZFAVNEBGNVMBQPKH']);
  // 02 lists KUBE-SERVICES in another order: no packet goes elsewhere.
  expect(report.noise.reorderedNoEffect).toEqual(['KUBE-SERVICES']);
});

test('05: kubeadm + flannel before the NodePort service: kubernetes and kube-dns', () => {
  expect(summary(FLANNEL_BEFORE).map((p) => `${p.key} ${p.endpoints.join(' ')}`)).toEqual([
    'default/kubernetes:https/tcp 172.20.0.70:6443=1',
    'kube-system/kube-dns:dns-tcp/tcp 10.244.0.24:53=0.5 10.244.0.25:53=0.5',
    'kube-system/kube-dns:dns/udp 10.244.0.24:53=0.5 10.244.0.25:53=0.5',
  ]);
});

test('05 → 06: the NodePort service created (port 80, nodePort 30080, one endpoint)', () => {
  const report = diffSnapshots(corpus(FLANNEL_BEFORE), corpus(FLANNEL_AFTER));
  const changed = report.services.filter((s) => s.status !== 'unchanged');
  expect(changed.map((s) => `${s.status} ${s.key}`)).toEqual(['added default/nginx-svc/tcp']);
  expect(changed[0]?.after).toMatchObject({ clusterIP: '10.108.205.52', port: 80, nodePorts: [30080], endpoints: [{ address: '10.244.1.3:80', share: 1 }] });
  expect(report.summary).toMatchObject({ servicesAdded: 1, servicesChanged: 0, chainsAdded: 2, chainsRemoved: 0 });
});

test('20: minikube, KUBE-SVC listed alone after a grep line: 10 endpoints at 10% each from the 10-digit ladder', () => {
  const s = corpus(MINIKUBE);
  const httpenv = port(modelOfSnapshot(s), 'default/httpenv/tcp');
  expect(httpenv).toMatchObject({ clusterIP: '10.99.85.244', port: 8888 });
  expect(httpenv.endpoints.map((e) => e.probability)).toEqual([0.10000000009, 0.11111111101, 0.125, 0.14285714272, 0.16666666651, 0.20000000019, 0.25, 0.33333333349, 0.5, null]);
  expect(httpenv.endpoints.map((e) => e.share)).toEqual(Array(10).fill(0.1));
  expect(s.warnings.map((w) => `${w.line}: ${w.message}`)).toContain('1: 1 rule line comes before any `Chain` line (grep output?): the chain it belongs to is unknown, so it is left out');
  expect(s.partial).toMatch(/no KUBE-SERVICES chain/);
});

test('28 (-nvL, counters) is 06\'s state: one model; rule changes only where 06, listed without -v, cannot show interfaces', () => {
  const nvl = corpus(FLANNEL_NVL);
  expect(nvl.hadCounters).toBe(true);
  expect(modelOfSnapshot(nvl)).toEqual(modelOfSnapshot(corpus(FLANNEL_AFTER)));
  const report = diffSnapshots(corpus(FLANNEL_AFTER), nvl);
  expect(report.services.every((s) => s.status === 'unchanged')).toBe(true);
  expect(report.chains.map((c) => ({ chain: c.name, removed: c.removed.map((r) => r.text), added: c.added.map((r) => r.text) }))).toEqual([
    { chain: 'DOCKER', removed: ['-A DOCKER -j RETURN'], added: ['-A DOCKER -i docker0 -j RETURN'] },
    { chain: 'POSTROUTING', removed: ['-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE'], added: ['-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'] },
  ]);
  expect(report.warnings.map((w) => w.message)).toContain('listed without -v: there are no in/out interface columns, so a rule that matches an interface reads as if it matched any (list with -v to compare interfaces)');
  expect(report.noise).toMatchObject({ counters: true, reorderedNoEffect: ['KUBE-SERVICES'] });
});
