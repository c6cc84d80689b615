/**
 * Two IPVS tables through natdiff's generic diffs: the chain diff over the `ipvs` ruleset view,
 * the service diff over the service model. kube-dns scaled 2 → 4 (the scaled state of
 * tests/fixtures/nftables/README.md) while web's 10.244.2.11 drains (weight 0).
 *
 * This kernel has no IPVS (`ipvsadm -A` fails: "Protocol not available"): the tables are the
 * fixture written in ipvsadm's exact format (tests/fixtures/ipvs) and that text edited.
 */
import { diffChains } from '../../lib/diff/diff-chains';
import { diffServices } from '../../lib/diff/diff-services';
import { describeIpvs, readIpvs } from '../../lib/parse/ipvs';
import type { ServicePortInfo } from '../../lib/model/metadata';
import { fixture } from '../support/snapshots';

const SAVE = fixture('ipvs', 'ipvsadm-save-n.txt');
const SCALED = SAVE.replace('-a -t 192.168.0.10:30080 -r 10.244.2.11:8080 -m -w 1', '-a -t 192.168.0.10:30080 -r 10.244.2.11:8080 -m -w 0')
  .replace('-a -t 10.96.100.20:80 -r 10.244.2.11:8080 -m -w 1', '-a -t 10.96.100.20:80 -r 10.244.2.11:8080 -m -w 0')
  .replace(/^(-a -([tu]) 10\.96\.0\.10:53 -r 10\.244\.2\.3:53 -m -w 1)$/gm, '$1\n-a -$2 10.96.0.10:53 -r 10.244.1.4:53 -m -w 1\n-a -$2 10.96.0.10:53 -r 10.244.2.5:53 -m -w 1');
const PORTS: ServicePortInfo[] = [
  { name: 'kube-system/kube-dns:dns', protocol: 'udp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
  { name: 'kube-system/kube-dns:dns-tcp', protocol: 'tcp', clusterIP: '10.96.0.10', port: 53, nodePort: null },
  { name: 'default/web:http', protocol: 'tcp', clusterIP: '10.96.100.20', port: 80, nodePort: 30080 },
];

function side(text: string, source: string) {
  const dump = readIpvs(text, { source });
  const view = describeIpvs(dump, { source, servicePorts: PORTS });
  return { dump, view, chains: { ruleset: dump.ruleset, identity: view.chainIdentity } };
}

const before = side(SAVE, 'before');
const after = side(SCALED, 'after');

test('chain diff: real servers added to kube-dns, web\'s re-weighted server is "changed", each chain tied to its service', () => {
  const diff = diffChains('ipvs', before.chains, after.chains);
  expect(diff.chains.map((c) => ({ name: c.name, service: c.service, added: c.added.map((r) => r.text), removed: c.removed.length, changed: c.changed.map((p) => `${p.before.text} → ${p.after.text}`) }))).toEqual([
    { name: 'TCP 10.96.0.10:53', service: 'kube-system/kube-dns:dns-tcp/tcp', added: ['-a -t 10.96.0.10:53 -r 10.244.1.4:53 -m -w 1', '-a -t 10.96.0.10:53 -r 10.244.2.5:53 -m -w 1'], removed: 0, changed: [] },
    { name: 'TCP 10.96.100.20:80', service: 'default/web:http/tcp', added: [], removed: 0, changed: ['-a -t 10.96.100.20:80 -r 10.244.2.11:8080 -m -w 1 → -a -t 10.96.100.20:80 -r 10.244.2.11:8080 -m -w 0'] },
    { name: 'TCP 192.168.0.10:30080', service: 'default/web:http/tcp', added: [], removed: 0, changed: ['-a -t 192.168.0.10:30080 -r 10.244.2.11:8080 -m -w 1 → -a -t 192.168.0.10:30080 -r 10.244.2.11:8080 -m -w 0'] },
    { name: 'UDP 10.96.0.10:53', service: 'kube-system/kube-dns:dns/udp', added: ['-a -u 10.96.0.10:53 -r 10.244.1.4:53 -m -w 1', '-a -u 10.96.0.10:53 -r 10.244.2.5:53 -m -w 1'], removed: 0, changed: [] },
  ]);
});

test('a listing and a save of one table differ in nothing but how they are written', () => {
  const listing = side(fixture('ipvs', 'ipvsadm-Ln.txt'), 'listing');
  const diff = diffChains('ipvs', listing.chains, before.chains);
  expect(diff.chains).toEqual([]);
  expect(diff.formattingOnly).toBe(12);
  expect(diffServices(listing.view.model, before.view.model).services.filter((s) => s.status !== 'unchanged')).toEqual([]);
});

test('service diff: kube-dns 2 → 4 endpoints at 25%, web\'s draining endpoint 50% → 0%', () => {
  const diff = diffServices(before.view.model, after.view.model);
  const dns = diff.services.find((s) => s.key === 'kube-system/kube-dns:dns/udp');
  expect(dns).toMatchObject({ status: 'changed', endpointsAdded: ['10.244.1.4:53', '10.244.2.5:53'], endpointsRemoved: [] });
  expect(dns?.after?.endpoints.map((e) => e.share)).toEqual([0.25, 0.25, 0.25, 0.25]);
  const web = diff.services.find((s) => s.key === 'default/web:http/tcp');
  expect(web?.changes).toEqual([
    { field: 'shares', before: '10.244.1.10:8080=0.5, 10.244.2.11:8080=0.5', after: '10.244.1.10:8080=1, 10.244.2.11:8080=0' },
    { field: 'balancing', before: 'rr, weights 1/1', after: 'rr, weights 1/0' },
  ]);
  expect(web?.after?.endpoints[1]?.issues).toEqual(['draining']);
});
