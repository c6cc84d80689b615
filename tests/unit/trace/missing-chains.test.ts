/**
 * A path into a chain the snapshot does not hold (a pasted fragment, an excerpt with `...` lines)
 * ends there as unknown: taking the chain as returning at once would hand its share on down the
 * ladder, and a 10-endpoint service would trace 100% to the one endpoint the excerpt shows.
 */
import type { Snapshot } from '../../../lib/model/snapshot';
import { Assumptions, walkChains, type WalkMachine } from '../../../lib/parse/chain-walk';
import { parseSnapshot } from '../../../lib/snapshot/load-snapshot';
import { tracePacket, type PacketOptions } from '../../../lib/trace/packet';
import { fixture } from '../../support/snapshots';

function trace(name: string, options: PacketOptions) {
  const snapshot = parseSnapshot(fixture('corpus', name), name);
  return (snapshot.trace as NonNullable<Snapshot['trace']>)(tracePacket(options));
}

test('corpus 30 (one of ten endpoint chains shown): that endpoint gets its 10%, the other 90% is unknown', () => {
  const r = trace('30-kubeadm-aws-calico-2019-kuard-10ep-5digit.txt', { to: '10.97.169.67:80' });
  expect(r.destinations.map((d) => d.address)).toEqual(['192.168.236.133:8080']);
  expect(r.destinations[0]?.probability).toBeCloseTo(0.1, 5);
  expect(r.unmatchedBy.unknown).toBeCloseTo(0.9, 5);
  expect(r.unmatchedBy.untranslated).toBe(0);
  expect(r.missingChains).toHaveLength(9);
  const unknown = r.paths.filter((p) => p.result === 'unknown');
  expect(unknown).toHaveLength(9);
  for (const p of unknown) expect(r.missingChains).toContain(p.chains[p.chains.length - 1]);
  expect(r.assumptions.map((a) => a.message)).toContain('KUBE-SEP-IY5EMZGCCC7HUEGX is not in the snapshot: what it does is unknown');
});

test("a fragment without KUBE-MARK-MASQ or POSTROUTING: kube-proxy's own are taken, so a client outside the pod network is masqueraded", () => {
  const r = trace('30-kubeadm-aws-calico-2019-kuard-10ep-5digit.txt', { to: '10.97.169.67:80', from: '203.0.113.9' });
  expect(r.paths.find((p) => p.result === '192.168.236.133:8080')?.masquerade).toBe(true);
  expect(r.missingChains).not.toContain('KUBE-MARK-MASQ');
  expect(r.assumptions.map((a) => a.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^KUBE-MARK-MASQ is not in the snapshot: taken as kube-proxy's/), expect.stringMatching(/^the snapshot has no POSTROUTING chain: taken as kube-proxy's KUBE-POSTROUTING/)]));
});

test('corpus 29 (two of forty endpoint chains shown): no chain loop is reported, and the two shown endpoints get their 2.5%', () => {
  const r = trace('29-kops-prod-40ep-nodeport-5digit-probability-ladder.txt', { to: '100.71.52.243:80' });
  expect(r.findings).toEqual([]);
  expect(r.destinations.map((d) => d.address).sort()).toEqual(['100.96.179.196:8080', '100.97.100.231:8080']);
  expect(r.unmatchedBy.unknown).toBeCloseTo(0.95, 3);
});

describe('a walk that branches past its step budget', () => {
  // A ladder of 30 rules, each a coin toss into a chain that returns: 2^30 ways through.
  type Rule = { line: number };
  const ladder = Array.from({ length: 30 }, (_, i) => ({ line: i + 1 }));
  const machine: WalkMachine<Rule, null> = {
    chain: (name) => (name === 'LADDER' ? { rules: ladder, policy: 'accept' } : name === 'EMPTY' ? { rules: [], policy: 'accept' } : undefined),
    step: () => [
      { weight: 0.5, state: null, effect: { kind: 'jump', chain: 'EMPTY' } },
      { weight: 0.5, state: null, effect: { kind: 'next' } },
    ],
    lineOf: (r) => r.line,
    assumptions: new Assumptions(),
  };

  test('is cut short: what is left ends unknown, said once, and it is no chain loop', () => {
    const walk = walkChains('LADDER', machine, null, 1, 1000);
    expect(walk.findings).toEqual([]);
    const unknown = walk.ends.filter((e) => e.verdict.kind === 'unknown').reduce((n, e) => n + e.weight, 0);
    const accepted = walk.ends.filter((e) => e.verdict.kind === 'accept').reduce((n, e) => n + e.weight, 0);
    expect(unknown + accepted).toBeCloseTo(1, 12);
    expect(unknown).toBeGreaterThan(0);
    expect(machine.assumptions.list).toEqual([{ chain: null, line: null, message: 'the rules from LADDER branch into more than 1000 rule steps: the walk was cut short there, and where the rest goes is unknown' }]);
  });
});
