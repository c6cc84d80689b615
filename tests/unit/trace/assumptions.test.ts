/**
 * What a trace assumed is said once per rule and kind: a rule asked about several addresses (a
 * POSTROUTING `addrtype LOCAL` after each endpoint's DNAT, in every source scenario) is one line
 * naming them all, so the assumptions stay on one screen.
 */
import type { Snapshot } from '../../../lib/model/snapshot';
import { Assumptions } from '../../../lib/parse/chain-walk';
import { parseSnapshot } from '../../../lib/snapshot/load-snapshot';
import { tracePacket, type PacketOptions } from '../../../lib/trace/packet';
import { bundled } from '../../support/snapshots';

function trace(snapshot: Snapshot, options: PacketOptions) {
  return (snapshot.trace as NonNullable<Snapshot['trace']>)(tracePacket(options));
}

test('iptables: one addrtype rule asked about four endpoints is one assumption naming the four', () => {
  const after = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'coredns-scale-2to4-after.txt');
  const r = trace(after, { to: '10.96.0.10:53/udp', from: '10.244.0.1' });
  expect(r.assumptions).toEqual([
    { chain: 'POSTROUTING', line: 38, message: 'addrtype --dst-type LOCAL: 10.244.0.5, 10.244.0.6, 10.244.0.7 and 10.244.0.8 taken as not addresses of the node; give --node-ip' },
  ]);
});

test('iptables: one address is said in the singular, and a rule met in several scenarios is said once', () => {
  const after = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'coredns-scale-2to4-after.txt');
  const r = trace(after, { to: '10.96.0.99:53/udp' });
  expect(r.assumptions.map((a) => `${a.chain} ${a.line}: ${a.message}`)).toEqual([
    'KUBE-SERVICES 84: addrtype --dst-type LOCAL: 10.96.0.99 taken as not an address of the node; give --node-ip',
    'POSTROUTING 38: addrtype --dst-type LOCAL: 10.96.0.99 taken as not an address of the node; give --node-ip',
  ]);
});

test('past six subjects the rest are counted', () => {
  const notes = new Assumptions();
  for (let i = 9; i >= 1; i--) notes.addAbout('KUBE-SERVICES', 7, 'addrtype', `10.0.0.${i}`, (ips, many) => `${ips} taken as not ${many ? 'addresses' : 'an address'} of the node`);
  expect(notes.list).toEqual([{ chain: 'KUBE-SERVICES', line: 7, message: '10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6 and 3 more taken as not addresses of the node' }]);
});
