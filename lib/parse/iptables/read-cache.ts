/**
 * What reading one iptables dump learns that reading the other dump of the same diff reuses: one
 * object per diff, made by the first reading and handed to the one that reads alike it (through
 * Snapshot.sharedWithAlike), never a module's global state. Facts objects are shared by rules
 * written alike, so what is learnt is keyed by them.
 */
import type { Snapshot } from '../../model/snapshot';
import type { AlikeDump } from './parse-dump';
import type { RuleFacts } from './rule';
import type { MatchTexts } from './rule-canonical';
import type { ReadList } from './services';

export class IptablesReadCache {
  /** Facts whose reading warned: a line written alike in the other dump is read again there, and warns there too. */
  readonly warnedFacts = new WeakSet<RuleFacts>();
  /** Endpoint lists read without a finding or warning, by the facts of their chain's first rule. */
  readonly endpointLists = new WeakMap<RuleFacts, ReadList>();
  /** Probabilities in the units rules hold them, as the numbers iptables-save prints (few distinct values). */
  readonly printedProbabilities = new Map<number, number>();
  /** The canonical text of matches, by what was written: rules of both dumps build their keys from it. */
  readonly matchTexts: MatchTexts = new Map();
}

/** The other input of a diff as a dump to read alike, when an iptables reading made it. */
export function alikeDumpOf(alike: Snapshot | undefined): AlikeDump | undefined {
  return alike?.sharedWithAlike instanceof IptablesReadCache ? { ruleset: alike.ruleset, cache: alike.sharedWithAlike } : undefined;
}
