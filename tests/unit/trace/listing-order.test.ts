/**
 * The order a trace lists destinations and paths in: by probability, highest first, equal to
 * 1e-9 (the answer's precision) equal, then by address. An iptables ladder's probabilities are
 * rounded to its 2^-31 grid, so endpoints of equal share differ at 1e-11.
 */
import { fc, test } from '@fast-check/jest';
import type { Snapshot } from '../../../lib/model/snapshot';
import { traceScenarios, type TraceLeaf } from '../../../lib/model/trace';
import { parseSnapshot } from '../../../lib/snapshot/load-snapshot';
import { tracePacket } from '../../../lib/trace/packet';
import { bundled } from '../../support/snapshots';

function trace(snapshot: Snapshot, to: string) {
  return (snapshot.trace as NonNullable<Snapshot['trace']>)(tracePacket({ to }));
}

test('four endpoints of a 1/4, 1/3, 1/2 ladder share 25% each and are listed by address', () => {
  const after = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'coredns-scale-2to4-after.txt');
  const r = trace(after, '10.96.0.10:53/udp');
  expect(r.destinations.map((d) => d.address)).toEqual(['10.244.0.5:53', '10.244.0.6:53', '10.244.0.7:53', '10.244.0.8:53']);
  expect(r.paths.map((p) => p.result)).toEqual(['10.244.0.5:53', '10.244.0.6:53', '10.244.0.7:53', '10.244.0.8:53']);
  // Listed as the kernel applies them: the ladder's own rounding, exact to 1e-9.
  for (const d of r.destinations) expect(Math.abs(d.probability - 0.25)).toBeLessThan(1e-9);
});

const leaf = (address: string, probability: number): TraceLeaf => ({ chains: ['PREROUTING', address], probability, outcome: { kind: 'dnat', address }, masquerade: false });

describe('destinations of shares equal to 1e-9', () => {
  const addresses = fc.uniqueArray(fc.tuple(fc.nat(255), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `10.244.0.${h}:${p}`), { minLength: 1, maxLength: 12 });
  const noise = fc.array(fc.double({ min: -4e-10, max: 4e-10, noNaN: true }), { minLength: 12, maxLength: 12 });

  test.prop([addresses, noise])('are listed by address, whatever noise below 1e-9 their shares carry', (list, jitter) => {
    const share = 1 / list.length;
    const r = traceScenarios(4, () => ({ leaves: list.map((a, i) => leaf(a, share + (jitter[i] as number))), findings: [], missingChains: [] }));
    expect(r.destinations.map((d) => d.address)).toEqual([...list].sort());
    expect(r.paths.map((p) => p.result)).toEqual([...list].sort());
  });

});
