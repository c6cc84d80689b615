/**
 * The diff grows with its input, never faster, however alike the rules and chains are. Time is
 * compared, never limited: the diff of 4N, against that of N in the same run, must take under 8
 * times as long (a square would take 16). Each is the best of five runs in turn, in CPU time:
 * another process busy on the machine slows neither. A run of N is four diffs of it in a row, as
 * much work as one of 4N if the diff is linear: what the machine adds to a run (a collection by
 * V8's helper threads, caches another process emptied) then weighs alike on both, where a single
 * diff of N, a few tens of milliseconds, could be lucky in every round.
 */
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { Snapshot } from '../../lib/model/snapshot';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { growthRatio } from '../support/growth';
import { identicalChainsPair, identicalRulesPair, renamedChainsPair, reweightedRulesPair } from '../support/pathological';

const ROUNDS = 5;

function parsed([before, after]: [string, string]): [Snapshot, Snapshot] {
  const first = parseSnapshot(before, 'before');
  return [first, parseSnapshot(after, 'after', { alike: first })];
}

/** Time of the diff of 4N over that of N (see growthRatio). */
function growth(pair: (n: number) => [string, string], n: number): number {
  const diff = ([before, after]: [Snapshot, Snapshot]) => () => void diffSnapshots(before, after);
  return growthRatio(diff(parsed(pair(n))), diff(parsed(pair(4 * n))), ROUNDS);
}

describe('the diff of 4 times the input takes under 8 times as long', () => {
  test('one chain of identical rules, one rule more after (each rule matched to the next of its kind, not searched for)', () => {
    expect(growth(identicalRulesPair, 40_000)).toBeLessThan(8);
  });

  test('one chain of identical rules, each re-weighted (each removed rule paired with the next added one of its kind)', () => {
    expect(growth(reweightedRulesPair, 10_000)).toBeLessThan(8);
  });

  test('chains added with identical rules (none of them paired as a rename)', () => {
    expect(growth(identicalChainsPair, 10_000)).toBeLessThan(8);
  });

  test('chains renamed, each with its own rules', () => {
    expect(growth(renamedChainsPair, 5_000)).toBeLessThan(8);
  });
});
