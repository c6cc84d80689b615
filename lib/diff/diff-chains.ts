/**
 * Rule-by-rule comparison of one table. Chains are paired by what they serve (so a chain that
 * kube-proxy renamed is "renamed", not removed and added), rules by their canonical key as a
 * multiset (so the work stays linear however much kube-proxy shuffles), and a change of order is
 * reported apart, with whether it can change what happens to a packet.
 */
import type { Chain, Rule, Ruleset, Selector, Table } from '../model/ruleset';
import { identityKey, type ChainIdentity, type RulesLeftOut } from '../model/snapshot';
import type { OnProgress } from '../progress';
import { KeyedQueues } from './keyed-queues';
import { orderEffect } from './order-effect';
import type { ChainDiff, OrderEffect, RuleRef } from './types';

export interface ChainSide {
  ruleset: Ruleset;
  /** Chain name → meaning (see ServiceView.chainIdentity). */
  identity: (chain: string) => ChainIdentity | undefined;
  /** The rules of a chain read that were left out of the reading (see Snapshot.rulesLeftOut). */
  leftOut?: (table: string, chain: string) => RulesLeftOut | undefined;
}

export interface ChainsDiff {
  chains: ChainDiff[];
  formattingOnly: number;
  commentOnly: number;
  reorderedNoEffect: string[];
  declarationOrder: boolean;
  implicitBuiltins: number;
}


/** The service port a chain serves, when it is one of a port's own chains or an endpoint's. */
function serviceOf(identity: ChainIdentity | undefined): string | null {
  return identity?.service ?? null;
}

const NO_CHAINS: ReadonlyMap<string, Chain> = new Map();

/** The table's chains by name, as the parser keeps them (a big table is not indexed again). */
function chainMap(ruleset: Ruleset, table: string): ReadonlyMap<string, Chain> {
  return ruleset.tables.get(table)?.chains ?? NO_CHAINS;
}

function isImplicitBuiltin(chain: Chain): boolean {
  return chain.builtin === true && chain.rules.length === 0 && (chain.policy === null || chain.policy === 'ACCEPT');
}

function declarationChange(b: Chain, a: Chain): ChainDiff['declaration'] {
  const before = b.declaration ?? null;
  const after = a.declaration ?? null;
  return before === after ? null : { before, after };
}

/** Chains by what they serve; a chain that is only itself is keyed by its name. */
function indexByIdentity(chains: Chain[], side: ChainSide): Map<string, Chain> {
  const byId = new Map<string, Chain>();
  for (const c of chains) {
    const known = side.identity(c.name);
    const id = known ? identityKey(known) : `chain:${c.name}`;
    byId.set(byId.has(id) ? `chain:${c.name}` : id, c);
  }
  return byId;
}

function contentSignature(chain: Chain): string {
  return `${chain.policy ?? '-'}\n${chain.rules.map((r) => r.key).sort().join('\n')}`;
}

/** Chains that are not kube-proxy's: a removed and an added chain with the same rules were renamed. */
function pairRenamed(removed: Chain[], added: Chain[]): [Chain, Chain][] {
  const bySignature = new Map<string, Chain[]>();
  for (const c of added) {
    if (c.rules.length === 0) continue;
    const sig = contentSignature(c);
    const alike = bySignature.get(sig);
    if (alike) alike.push(c);
    else bySignature.set(sig, [c]);
  }
  const pairs: [Chain, Chain][] = [];
  for (const c of removed) {
    if (c.rules.length === 0) continue;
    const sig = contentSignature(c);
    const candidates = bySignature.get(sig);
    if (candidates?.length === 1) {
      pairs.push([c, candidates[0] as Chain]);
      bySignature.delete(sig);
    }
  }
  return pairs;
}

interface RuleMatch {
  /** Every rule matched the one at its own position: nothing moved. */
  sameOrder: boolean;
  added: Rule[];
  removed: Rule[];
  commonBefore: Rule[];
  commonAfter: Rule[];
  /** Each common rule's pair, named alike on both sides (a number): in the order of commonBefore and of commonAfter. */
  pairedBy: { before: string[]; after: string[] };
  formattingOnly: number;
  commentOnly: number;
}

/** Counts a matched pair that differs only in how it is written. */
function countNoise(m: RuleMatch, b: Rule, a: Rule): void {
  if (b.comment !== a.comment) m.commentOnly++;
  else if (b.raw !== a.raw) m.formattingOnly++;
}

function matchRules(before: Rule[], after: Rule[], keys: RuleKeys): RuleMatch {
  // The common case of a chain written differently: the same rules in the same order. Each pair is
  // decided by the parser's cheapest exact means, and no key is kept (a noisy 10k-service dump has
  // 400k of them).
  if (before.length === after.length && before.every((b, i) => keys.same(b, after[i] as Rule))) {
    const m: RuleMatch = { sameOrder: true, added: [], removed: [], commonBefore: before, commonAfter: after, pairedBy: { before: [], after: [] }, formattingOnly: 0, commentOnly: 0 };
    before.forEach((b, i) => countNoise(m, b, after[i] as Rule));
    return m;
  }
  // A rule pairs first with one written alike (its twin: the same meaning, and no noise), and only
  // the rest by key: a reordered chain (kube-proxy writes KUBE-SERVICES in map order) needs no key.
  const twins = new KeyedQueues<Rule>();
  for (const b of before) if (!keys.renamed(b)) twins.add(b.raw, b);
  const pairOf = new Map<Rule, { rule: Rule; by: string }>();
  const pair = (b: Rule, a: Rule) => {
    const by = String(pairOf.size);
    pairOf.set(b, { rule: a, by }).set(a, { rule: b, by });
  };
  const unpairedAfter: Rule[] = [];
  for (const a of after) {
    const b = twins.take(a.raw);
    if (b) pair(b, a);
    else unpairedAfter.push(a);
  }
  if (unpairedAfter.length > 0) {
    const pending = new KeyedQueues<Rule>();
    for (const r of before) if (!pairOf.has(r)) pending.add(keys.kept(r), r);
    for (const a of unpairedAfter) {
      const b = pending.take(a.key);
      if (b) pair(b, a);
    }
  }
  const m: RuleMatch = { sameOrder: false, added: [], removed: [], commonBefore: [], commonAfter: [], pairedBy: { before: [], after: [] }, formattingOnly: 0, commentOnly: 0 };
  for (const a of after) {
    const p = pairOf.get(a);
    if (!p) {
      m.added.push(a);
      continue;
    }
    m.commonAfter.push(a);
    m.pairedBy.after.push(p.by);
    countNoise(m, p.rule, a);
  }
  for (const b of before) {
    const p = pairOf.get(b);
    if (!p) {
      m.removed.push(b);
      continue;
    }
    m.commonBefore.push(b);
    m.pairedBy.before.push(p.by);
  }
  return m;
}

/**
 * The order effect of a match, judged on the pairs first: pairs are finer than keys (two pairs
 * may share a key), and whatever the finer order leaves unchanged or swaps without effect, the
 * order of keys does too (or it is unchanged). So keys are built only when the pairs
 * say the order may matter, or to tell "no effect" from "unchanged" where the pairs moved.
 * The answer is `orderEffect` of the keys (the reference: diffChains without shortcuts).
 */
function orderEffectOfPairs(m: RuleMatch, keys: RuleKeys, selectors: () => Selector[]): OrderEffect | null {
  const { before, after } = m.pairedBy;
  const byPairs = orderEffect(before, after, selectors);
  if (byPairs === 'possible') return orderEffect(m.commonBefore.map(keys.kept), m.commonAfter.map((r) => r.key), selectors);
  if (byPairs === null) return null;
  for (let i = 0; i < before.length; i++) {
    if (before[i] !== after[i] && keys.kept(m.commonBefore[i] as Rule) !== (m.commonAfter[i] as Rule).key) return 'none';
  }
  return null;
}

/** Before-side rules with renamed chains under their new names: their keys, and whether one means an after-side rule. */
interface RuleKeys {
  kept: (r: Rule) => string;
  /** Whether the rule names a renamed chain (its key, kept, is not its own). */
  renamed: (r: Rule) => boolean;
  same: (before: Rule, after: Rule) => boolean;
}

function renameKeys(renames: Map<string, string>, byFacts: boolean): RuleKeys {
  const refersToRenamed = (r: Rule): boolean => renames.size > 0 && r.refs.some((ref) => renames.has(ref));
  const renamed = (key: string): string => key.split(' ').map((t) => renames.get(t) ?? t).join(' ');
  return {
    kept: (r) => (refersToRenamed(r) ? renamed(r.key) : r.key),
    renamed: refersToRenamed,
    same: (b, a) => {
      if (refersToRenamed(b)) return renamed(b.transientKey()) === a.transientKey();
      return byFacts ? b.sameAs(a) : b.transientKey() === a.transientKey();
    },
  };
}

/** Chain pairs between two progress reports (a power of two less one: a mask). */
const PROGRESS_EVERY_CHAINS = 4095;

/** How far ahead in the other list a chain is looked for before its name is looked up. */
const PAIRING_WINDOW = 8;

interface NamePairing {
  pairs: [Chain, Chain][];
  removedByName: Chain[];
  addedByName: Chain[];
  /** Every pair was found walking forward in both lists: the chains both declare come in the same order. */
  inOrder: boolean;
}

/**
 * Chains of the same name, paired by walking both lists: two dumps of one host declare their chains
 * in the same order with a few inserted or removed, so a 100k-chain table needs few lookups. Every
 * after-side chain the walk passes over is checked by name, so none is missed.
 */
function pairByName(beforeChains: Chain[], afterChains: Chain[], beforeByName: ReadonlyMap<string, Chain>, afterByName: ReadonlyMap<string, Chain>): NamePairing {
  const result: NamePairing = { pairs: [], removedByName: [], addedByName: [], inOrder: true };
  let next = 0;
  const passOver = (upTo: number): void => {
    for (; next < upTo; next++) {
      const c = afterChains[next] as Chain;
      if (!beforeByName.has(c.name)) result.addedByName.push(c);
    }
  };
  for (const b of beforeChains) {
    let at = -1;
    for (let k = next; k < Math.min(next + PAIRING_WINDOW, afterChains.length); k++) {
      if ((afterChains[k] as Chain).name === b.name) {
        at = k;
        break;
      }
    }
    if (at >= 0) {
      passOver(at);
      result.pairs.push([b, afterChains[at] as Chain]);
      next = at + 1;
      continue;
    }
    const a = afterByName.get(b.name);
    if (a) {
      // Further ahead, or behind: paired all the same, and the declaration order is checked in full.
      result.pairs.push([b, a]);
      result.inOrder = false;
    } else {
      result.removedByName.push(b);
    }
  }
  passOver(afterChains.length);
  return result;
}

/** `shortcuts: false` compares even chains written exactly alike, and every rule by its key (to check the shortcuts). */
export function diffChains(table: string, before: ChainSide, after: ChainSide, shortcuts = true, onProgress?: OnProgress): ChainsDiff {
  const result: ChainsDiff = { chains: [], formattingOnly: 0, commentOnly: 0, reorderedNoEffect: [], declarationOrder: false, implicitBuiltins: 0 };
  const beforeByName = chainMap(before.ruleset, table);
  const afterByName = chainMap(after.ruleset, table);
  const beforeChains = [...beforeByName.values()];
  const afterChains = [...afterByName.values()];

  // Chains pair by name; only the ones left over are paired by what they serve (kube-proxy renames).
  const byName = pairByName(beforeChains, afterChains, beforeByName, afterByName);
  const { pairs, removedByName, addedByName } = byName;
  // The pairs found by name come first; every pair after them is a chain under another name.
  const pairedByName = pairs.length;
  const addedById = indexByIdentity(addedByName, after);
  const removed: Chain[] = [];
  for (const b of removedByName) {
    const known = before.identity(b.name);
    const id = known ? identityKey(known) : undefined;
    const a = id === undefined ? undefined : addedById.get(id);
    if (a) {
      pairs.push([b, a]);
      addedById.delete(id as string);
    } else {
      removed.push(b);
    }
  }
  const unpaired = new Set(addedById.values());
  const added = addedByName.filter((c) => unpaired.has(c));
  const renamedChains = new Set<Chain>();
  for (const [b, a] of pairRenamed(removed, added)) {
    pairs.push([b, a]);
    renamedChains.add(b).add(a);
  }

  const renames = new Map<string, string>();
  for (const [b, a] of pairs.slice(pairedByName)) renames.set(b.name, a.name);
  const beforeKey = renameKeys(renames, shortcuts);

  const serviceOfRule = (side: ChainSide) => (r: Rule, chainService: string | null): string | null => {
    if (chainService) return chainService;
    for (const ref of r.refs) {
      const s = serviceOf(side.identity(ref));
      if (s) return s;
    }
    return null;
  };
  const ref = (side: ChainSide, chainService: string | null) => (r: Rule): RuleRef => ({ line: r.line, text: r.text, service: serviceOfRule(side)(r, chainService), model: null });

  for (const c of removed) {
    if (renamedChains.has(c)) continue;
    if (isImplicitBuiltin(c)) {
      result.implicitBuiltins++;
      continue;
    }
    const service = serviceOf(before.identity(c.name));
    result.chains.push({ table, name: c.name, status: 'removed', renamedFrom: null, service, policy: null, declaration: null, added: [], removed: c.rules.map(ref(before, service)), changed: [], reordered: null, rules: { before: c.rules, after: [], beforeName: c.name, orderIsNoise: false } });
  }
  for (const c of added) {
    if (renamedChains.has(c)) continue;
    if (isImplicitBuiltin(c)) {
      result.implicitBuiltins++;
      continue;
    }
    const service = serviceOf(after.identity(c.name));
    result.chains.push({ table, name: c.name, status: 'added', renamedFrom: null, service, policy: null, declaration: null, added: c.rules.map(ref(after, service)), removed: [], changed: [], reordered: null, rules: { before: [], after: c.rules, beforeName: c.name, orderIsNoise: false } });
  }

  for (let i = 0; i < pairs.length; i++) {
    const [b, a] = pairs[i] as [Chain, Chain];
    if (((i + 1) & PROGRESS_EVERY_CHAINS) === 0) onProgress?.('comparing', i + 1, pairs.length);
    const renamed = i >= pairedByName;
    const leftOut = [before.leftOut?.(table, b.name), after.leftOut?.(table, a.name)] as const;
    if (shortcuts && !renamed && leftOut[0] === undefined && leftOut[1] === undefined && sameText(b, a)) continue;
    const m = matchRules(b.rules, a.rules, beforeKey);
    result.formattingOnly += m.formattingOnly;
    result.commentOnly += m.commentOnly;
    // A set's elements, an IPVS service's real servers: their order is how they were listed, nothing more.
    const orderMeans = b.ordered !== false && a.ordered !== false;
    const selectors = () => m.commonAfter.map((r) => r.selector);
    const ofRead =
      m.sameOrder || !orderMeans ? null : shortcuts ? orderEffectOfPairs(m, beforeKey, selectors) : orderEffect(m.commonBefore.map(beforeKey.kept), m.commonAfter.map((r) => r.key), selectors);
    // Rules left out can stand where no packet meets them first, but their moving is a reorder.
    const reordered = ofRead === null && orderMeans && leftOutMoved(m, ...leftOut) ? 'none' : ofRead;
    if (reordered === 'none') result.reorderedNoEffect.push(a.name);
    const policy = b.policy !== a.policy ? { before: b.policy, after: a.policy } : null;
    const declaration = declarationChange(b, a);
    const differs = m.added.length + m.removed.length > 0 || reordered === 'possible' || policy !== null || declaration !== null;
    if (!differs && !renamed) continue;
    const service = serviceOf(after.identity(a.name)) ?? serviceOf(before.identity(b.name));
    const changed = pairChanged(m, renames);
    result.chains.push({
      table,
      name: a.name,
      status: renamed ? 'renamed' : 'changed',
      renamedFrom: renamed ? b.name : null,
      service,
      policy,
      declaration,
      added: changed.added.map(ref(after, service)),
      removed: changed.removed.map(ref(before, service)),
      changed: changed.pairs.map(([rb, ra]) => ({ before: ref(before, service)(rb), after: ref(after, service)(ra) })),
      reordered: reordered === 'possible' ? 'possible' : null,
      rules: { before: b.rules, after: a.rules, beforeName: b.name, orderIsNoise: reordered === 'none' },
    });
  }
  result.chains.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  result.declarationOrder = !byName.inOrder && declarationOrderDiffers(beforeChains, afterChains, beforeByName, afterByName);
  return result;
}

/**
 * Whether the rules left out of a chain (RulesLeftOut) stand elsewhere among the rules both sides
 * hold, which are in the same order (m): another order of the chain had they been read.
 */
function leftOutMoved(m: RuleMatch, before: RulesLeftOut | undefined, after: RulesLeftOut | undefined): boolean {
  if (before === undefined && after === undefined) return false;
  if (before === undefined || after === undefined || before.digest !== after.digest) return true;
  return m.commonBefore.some((r, i) => before.before.get(r.line) !== after.before.get((m.commonAfter[i] as Rule).line));
}

/** Several tables' diffs as one. */
export function mergeChainDiffs(diffs: ChainsDiff[]): ChainsDiff {
  return {
    chains: diffs.flatMap((d) => d.chains),
    formattingOnly: diffs.reduce((n, d) => n + d.formattingOnly, 0),
    commentOnly: diffs.reduce((n, d) => n + d.commentOnly, 0),
    reorderedNoEffect: diffs.flatMap((d) => d.reorderedNoEffect),
    declarationOrder: diffs.some((d) => d.declarationOrder),
    implicitBuiltins: diffs.reduce((n, d) => n + d.implicitBuiltins, 0),
  };
}

/** Two chains of the same name written exactly alike, so alike in meaning: the common case, decided without parsing a rule. */
function sameText(b: Chain, a: Chain): boolean {
  if (b.policy !== a.policy || (b.declaration ?? null) !== (a.declaration ?? null) || b.rules.length !== a.rules.length) return false;
  for (let i = 0; i < b.rules.length; i++) if ((b.rules[i] as Rule).raw !== (a.rules[i] as Rule).raw) return false;
  return true;
}

/** Among removed and added rules, those with the same pairKey are one rule re-weighted. */
function pairChanged(m: RuleMatch, renames: Map<string, string>): { added: Rule[]; removed: Rule[]; pairs: [Rule, Rule][] } {
  const pairKey = (r: Rule): string => (renames.size === 0 ? r.pairKey : r.pairKey.split(' ').map((t) => renames.get(t) ?? t).join(' '));
  const removedByPair = new KeyedQueues<Rule>();
  for (const r of m.removed) removedByPair.add(pairKey(r), r);
  const pairs: [Rule, Rule][] = [];
  const added: Rule[] = [];
  const paired = new Set<Rule>();
  for (const a of m.added) {
    const b = removedByPair.take(a.pairKey);
    if (b) {
      pairs.push([b, a]);
      paired.add(b);
    } else {
      added.push(a);
    }
  }
  return { added, removed: m.removed.filter((r) => !paired.has(r)), pairs };
}

/** Whether the chains both sides declare come in another order (a walk of both lists, no index built). */
function declarationOrderDiffers(beforeChains: Chain[], afterChains: Chain[], beforeByName: ReadonlyMap<string, Chain>, afterByName: ReadonlyMap<string, Chain>): boolean {
  let j = 0;
  for (const c of beforeChains) {
    if (!afterByName.has(c.name)) continue;
    while (j < afterChains.length && !beforeByName.has((afterChains[j] as Chain).name)) j++;
    if ((afterChains[j] as Chain | undefined)?.name !== c.name) return true;
    j++;
  }
  return false;
}
