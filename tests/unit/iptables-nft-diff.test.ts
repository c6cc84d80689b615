/**
 * iptables-nft listings through natdiff's diff (diffSnapshots): a listing against iptables-save of
 * the same rules differs only where nft does not show something; two listings of a scale event,
 * and corpus 22 → 23 (an ingress controller installed), read as what changed.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { fixture } from '../support/snapshots';

const nft = (file: string) => parseSnapshot(fixture('iptables-nft', file), file);
const save = (stem: string) => parseSnapshot(fixture('iptables-nft', `${stem}.iptables-save.txt`), `${stem}.iptables-save.txt`);

/** The services that differ, one line each: status, label, endpoints, changed fields. */
function serviceChanges(report: DiffReport): string[] {
  return report.services
    .filter((s) => s.status !== 'unchanged')
    .map((s) => [s.status, s.label, ...s.endpointsAdded.map((e) => `+${e}`), ...s.endpointsRemoved.map((e) => `-${e}`), ...s.changes.map((c) => `${c.field} ${c.before} → ${c.after}`)].join(' | '));
}

function chainChanges(report: DiffReport): string[] {
  return report.chains.map((c) => `${c.table} ${c.name} ${c.status}${c.added.length ? ` +${c.added.length}` : ''}${c.removed.length ? ` -${c.removed.length}` : ''}${c.changed.length ? ` ~${c.changed.length}` : ''}`);
}

describe('a listing against iptables-save of the same rules', () => {
  test.each(['cluster.list.txt', 'cluster.list-a.txt'])('%s: the same services (what nft does not show is not compared: affinity, and a port without endpoints but for its address); the same rules, but for -m recent\'s options', (file) => {
    const report = diffSnapshots(save('cluster'), nft(file));
    expect(serviceChanges(report)).toEqual([]);
    expect(report.summary).toMatchObject({ servicesUnchanged: 9, endpointsAdded: 0, endpointsRemoved: 0, chainsAdded: 0, chainsRemoved: 0 });
    expect(chainChanges(report)).toEqual([
      'nat KUBE-SEP-3LD2C24X77JLT5ZJ changed +1 -1',
      'nat KUBE-SEP-GGWR3HEPVR6X4GQN changed +1 -1',
      'nat KUBE-SEP-V2PECCYPB6X2GSCW changed +1 -1',
      'nat KUBE-SVC-C435J2JLDMJKKAWZ changed +2 -2',
      'nat KUBE-SVC-NPX46M4PTMTKRN6Y changed +1 -1',
    ]);
    expect(report.after.format).toBe('nft list (iptables-nft)');
    expect(report.warnings.filter((w) => w.source === file).map((w) => w.message.slice(0, 45))).toEqual([
      'the listing shows no iptables comments (nft d',
      'the listing shows `-m recent` without its opt',
      'the listing shows `-m sctp` without its optio',
    ]);
  });

  test('nft list table ip nat: compared on the nat table only, the same services', () => {
    const report = diffSnapshots(save('cluster'), nft('cluster.nat.txt'));
    expect(serviceChanges(report)).toEqual([]);
    expect(report.warnings.map((w) => w.message)).toContain('holds table filter, which cluster.nat.txt does not; compared only: nat');
  });

  test('IPv6 and the scaled cluster: the same services, either way round', () => {
    expect(serviceChanges(diffSnapshots(save('cluster-ipv6'), nft('cluster-ipv6.list.txt')))).toEqual([]);
    expect(serviceChanges(diffSnapshots(nft('cluster-scaled.list.txt'), save('cluster-scaled')))).toEqual([]);
  });

  test('nft -j: endpoints are not compared (no DNAT, no probabilities); SCTP ports are not shown', () => {
    const report = diffSnapshots(save('cluster'), nft('cluster.json'));
    expect(serviceChanges(report)).toEqual(['changed | telco/diameter:diameter | port 3868 → -']);
    expect(report.summary).toMatchObject({ endpointsAdded: 0, endpointsRemoved: 0 });
  });

  test('the same rules as nft list and as nft -j: no service change, but for the SCTP port nft -j does not show', () => {
    const names = save('cluster').serviceNames();
    expect(serviceChanges(diffSnapshots(nft('cluster.list.txt'), nft('cluster.json'), { candidateNames: names }))).toEqual(['changed | telco/diameter:diameter | port 3868 → -']);
  });
});

describe('two listings of one node', () => {
  test('kube-dns scaled 2 → 4 and web given a second local endpoint: exactly that', () => {
    const report = diffSnapshots(nft('cluster.list.txt'), nft('cluster-scaled.list-a.txt'));
    expect(serviceChanges(report)).toEqual([
      'changed | 10.96.0.10:53/tcp | +10.244.2.7:53 | +10.244.2.8:53 | probabilities 0.5 → 0.25/0.33333333349/0.5 | shares 10.244.0.5:53=0.5, 10.244.1.6:53=0.5 → 10.244.0.5:53=0.25, 10.244.1.6:53=0.25, 10.244.2.7:53=0.25, 10.244.2.8:53=0.25',
      'changed | 10.96.0.10:53/udp | +10.244.2.7:53 | +10.244.2.8:53 | probabilities 0.5 → 0.25/0.33333333349/0.5 | shares 10.244.0.5:53=0.5, 10.244.1.6:53=0.5 → 10.244.0.5:53=0.25, 10.244.1.6:53=0.25, 10.244.2.7:53=0.25, 10.244.2.8:53=0.25',
      'changed | 10.96.7.7:80/tcp | +10.244.1.9:8080 | probabilities 0.33333333349/0.5 → 0.25/0.33333333349/0.5 | shares 10.244.1.3:8080=0.333333333, 10.244.2.3:8080=0.333333333, 10.244.2.4:8080=0.333333333 → 10.244.1.3:8080=0.25, 10.244.1.9:8080=0.25, 10.244.2.3:8080=0.25, 10.244.2.4:8080=0.25 | localEndpoints 10.244.1.3:8080=1 → 10.244.1.3:8080=0.5, 10.244.1.9:8080=0.5',
    ]);
    expect(report.summary).toMatchObject({ servicesChanged: 3, servicesUnchanged: 6, endpointsAdded: 5, endpointsRemoved: 0, chainsAdded: 5, chainsRemoved: 0 });
    expect(report.noise.reorderedNoEffect).toEqual(['KUBE-SERVICES', 'KUBE-NODEPORTS']);
  });

  test('named from the other input when it names them: a snapshot of the same node after the scale, as iptables-save', () => {
    const report = diffSnapshots(nft('cluster.list.txt'), save('cluster-scaled'));
    expect(serviceChanges(report).map((s) => s.split(' | ').slice(0, 4).join(' | '))).toEqual([
      'changed | kube-system/kube-dns:dns | +10.244.2.7:53 | +10.244.2.8:53',
      'changed | kube-system/kube-dns:dns-tcp | +10.244.2.7:53 | +10.244.2.8:53',
      'changed | shop/web:http | +10.244.1.9:8080 | probabilities 0.33333333349/0.5 → 0.25/0.33333333349/0.5',
    ]);
  });

  test('corpus 22 → 23: the ingress controller installed (three new service ports) and calico-typha scaled 1 → 2', () => {
    const before = parseSnapshot(fixture('corpus', '22-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01.txt'), '22');
    const after = parseSnapshot(fixture('corpus', '23-kubeadm-calico-iptables-nft-nft-list-ruleset-nat-worker01-after-ingress.txt'), '23');
    const report = diffSnapshots(before, after);
    expect(serviceChanges(report)).toEqual([
      'changed | 10.105.183.5:5473/tcp | +172.16.0.32:5473 | probabilities - → 0.5 | shares 172.16.0.11:5473=1 → 172.16.0.11:5473=0.5, 172.16.0.32:5473=0.5',
      'added | 10.107.109.72:443/tcp | +172.17.255.134:8443',
      'added | 10.110.103.111:443/tcp | +172.17.255.134:443',
      'added | 10.110.103.111:80/tcp | +172.17.255.134:80',
    ]);
    expect(report.summary).toMatchObject({ servicesAdded: 3, servicesChanged: 1, servicesUnchanged: 5, servicesRemoved: 0, endpointsRemoved: 0 });
    expect(report.noise).toMatchObject({ counters: true, reorderedNoEffect: ['KUBE-SERVICES'] });
    expect(chainChanges(report).filter((c) => !c.includes(' added'))).toEqual(['nat KUBE-NODEPORTS changed +2', 'nat KUBE-SERVICES changed +3', 'nat KUBE-SVC-RK657RLKDNVNU64O changed +1 ~1']);
  });
});
