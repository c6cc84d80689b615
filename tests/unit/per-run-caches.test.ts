/**
 * Speed tricks live apart from meaning: what a diff keeps to build canonical keys faster (match
 * texts) is its own, made for it and shared by its two readings; what a trace keeps of the
 * networks it tests (parsed CIDRs) is that trace's, or its `--verify` run's. Neither is a module's:
 * two diffs, or two traces, in one process share nothing, and what one read goes with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { Snapshot } from '../../lib/model/snapshot';
import { ParsedNetworks } from '../../lib/model/trace-sources';
import { IptablesReadCache } from '../../lib/parse/iptables/read-cache';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { tracePacket } from '../../lib/trace/packet';
import { verifiable, verifyShares } from '../../lib/trace/verify';
import { noisy } from '../support/noise';
import { bundled, FIXTURES } from '../support/snapshots';

const corpus = (file: string) => readFileSync(join(FIXTURES, 'corpus', file), 'utf8');

/** Respelled so that rules compare by their canonical keys (see bench-equivalence.test.ts). */
const respelled = (text: string) => noisy(text, [0b1111111111, 0b0101010101, 0b1010101010, 0b0000100001], 1);

function readCacheOf(snapshot: Snapshot): IptablesReadCache {
  expect(snapshot.sharedWithAlike).toBeInstanceOf(IptablesReadCache);
  return snapshot.sharedWithAlike as IptablesReadCache;
}

/** The read cache of each input of a diff of `text` against itself respelled, once diffed. */
function diffedCaches(text: string): [IptablesReadCache, IptablesReadCache] {
  const first = parseSnapshot(text, 'before');
  const second = parseSnapshot(respelled(text), 'after', { alike: first });
  expect(readCacheOf(first).matchTexts.size).toBe(0);
  expect(diffSnapshots(first, second).summary.changed).toBe(false);
  return [readCacheOf(first), readCacheOf(second)];
}

describe('canonical keys', () => {
  test("are built from the diff's own match texts: one set per diff, shared by its two readings, none with another diff", () => {
    const [before, after] = diffedCaches(corpus('29-kops-prod-40ep-nodeport-5digit-probability-ladder.txt'));
    expect(after).toBe(before);
    const kept = [...before.matchTexts.keys()];
    expect(kept.length).toBeGreaterThan(0);

    const [other] = diffedCaches(corpus('30-kubeadm-aws-calico-2019-kuard-10ep-5digit.txt'));
    expect(other).not.toBe(before);
    expect(other.matchTexts.size).toBeGreaterThan(0);
    // The second diff neither read the first's texts nor added its own to them.
    expect([...before.matchTexts.keys()]).toEqual(kept);
  });
});

describe('networks a trace tests', () => {
  const coredns = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'coredns-scale-2to4-after.txt');
  const trace = coredns.trace?.bind(coredns) as NonNullable<Snapshot['trace']>;

  /** The ParsedNetworks each call of `run` read networks into. */
  function networksRead(run: () => void): Set<ParsedNetworks> {
    const of = jest.spyOn(ParsedNetworks.prototype, 'of');
    try {
      run();
      return new Set(of.mock.contexts as ParsedNetworks[]);
    } finally {
      of.mockRestore();
    }
  }

  test("are read into the trace's own: each trace its own, or the one its caller gives", () => {
    const packet = tracePacket({ to: '10.96.0.10:53/udp' });
    const first = networksRead(() => trace(packet));
    const second = networksRead(() => trace(packet));
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
    expect([...second][0]).not.toBe([...first][0]);

    const given = new ParsedNetworks();
    expect(networksRead(() => trace(packet, undefined, given))).toEqual(new Set([given]));
  });

  test('are read into one for a --verify run of every port', () => {
    const ports = coredns.describe([]).model.ports.filter(verifiable);
    expect(ports.length).toBeGreaterThan(1);
    let checked = 0;
    expect(networksRead(() => (checked = verifyShares(coredns, ports).checked)).size).toBe(1);
    expect(checked).toBe(ports.length);
  });
});
