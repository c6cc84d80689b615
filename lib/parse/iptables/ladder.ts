/**
 * What each rule of a service's load-balancing chain (KUBE-SVC, KUBE-SVL, KUBE-XLB) does with the
 * traffic that reaches it: send a share to an endpoint, remember an affinity, drop, reject or hand
 * a share elsewhere, mark it and let it go on, or something the model does not read. Chains are
 * judged by what they do, not by their names: an endpoint chain is one that DNATs, whatever it is
 * called (people redact dumps), or one named as kube-proxy names them (a fragment may lack it).
 */
import type { Chain as AnyChain } from '../../model/ruleset';
import type { DivertAction, Protocol } from '../../model/service';
import type { RuleAccount } from '../../model/snapshot';
import type { IptablesRule, RuleFacts } from './rule';
import { BUILTIN_TARGETS } from './targets';

type Chain = AnyChain<IptablesRule>;

/** The chains of a dump by name (kube-proxy's are in nat; a fragment may have put one elsewhere). */
export type ChainLookup = (name: string) => Chain | undefined;

export type GroupKind = 'svc' | 'svl' | 'ext' | 'fw' | 'xlb';
/** A port's own chains in the order the service model reads them (whatever order a dump declares them in). */
export const GROUP_KINDS: readonly GroupKind[] = ['svc', 'svl', 'ext', 'fw', 'xlb'];
const GROUP_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|XLB)-(.+)$/;
/** The suffix kube-proxy writes: 16 characters of base32, a hash of what the chain serves. */
const KUBE_HASH = /^[A-Z2-7]{16}$/;
export const SEP_PREFIX = 'KUBE-SEP-';

/** A service chain's kind and suffix (the suffix ties a service's chains together). */
export function groupOfName(name: string | null): { hash: string; kind: GroupKind } | null {
  if (name === null || !name.startsWith('KUBE-')) return null;
  const m = GROUP_CHAIN.exec(name);
  return m ? { hash: m[2] as string, kind: (m[1] as string).toLowerCase() as GroupKind } : null;
}

/** How a service chain's name begins, per kind (GROUP_KINDS' order): its suffix follows. */
export const GROUP_NAME_PREFIXES: readonly Uint8Array[] = GROUP_KINDS.map((k) => new TextEncoder().encode(`KUBE-${k.toUpperCase()}-`));

/**
 * groupOfName of the name held by bytes [start, end), read from them: its kind's place in
 * GROUP_KINDS (its suffix follows GROUP_NAME_PREFIXES of it), or -1. No string is made (a first
 * pass asks it of every chain).
 */
export function groupKindAt(bytes: Uint8Array, start: number, end: number): number {
  for (let k = 0; k < GROUP_NAME_PREFIXES.length; k++) {
    const prefix = GROUP_NAME_PREFIXES[k] as Uint8Array;
    if (end - start <= prefix.length) continue;
    let j = 0;
    while (j < prefix.length && bytes[start + j] === prefix[j]) j++;
    if (j === prefix.length) return k;
  }
  return -1;
}

/** Whether a chain name's suffix is a hash as kube-proxy writes it (not redacted or made up). */
export function isKubeHash(suffix: string): boolean {
  return suffix.length === 16 && KUBE_HASH.test(suffix);
}

/** Whether a jump to this chain sends traffic to an endpoint. */
export function isEndpointChain(chains: ChainLookup, name: string): boolean {
  if (name.startsWith(SEP_PREFIX)) return true;
  if (groupOfName(name)) return false;
  return chains(name)?.rules.some((r) => r.facts.dnat !== null) ?? false;
}

const VERDICTS: ReadonlyMap<string, DivertAction> = new Map([['DROP', 'drop'], ['REJECT', 'reject'], ['ACCEPT', 'accept'], ['RETURN', 'return']]);
/** Built-in targets after which the packet leaves the table, besides the verdicts and DNAT. */
const OTHER_FINAL_TARGETS = new Set(['QUEUE', 'NFQUEUE', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'TPROXY', 'SYNPROXY']);

/** Whether a rule takes every packet that reaches it (a random probability aside). */
function takesAll(f: RuleFacts, protocol: Protocol | null): boolean {
  return !f.selective && f.recent === null && (f.protocol === null || f.protocol === protocol);
}

/**
 * Whether traffic sent to this chain surely ends there: its last rule takes everything and ends
 * the walk. Only the last rule is looked at: a chain this judges wrongly is one the model does not
 * read, and its rule stays a visible rule change.
 */
function decides(chains: ChainLookup, name: string): boolean {
  const rules = chains(name)?.rules;
  const last = rules?.[rules.length - 1];
  if (!last) return false;
  const f = last.facts;
  if (!takesAll(f, null) || f.probability !== null || f.target === null) return false;
  const target = f.target;
  return (VERDICTS.has(target) && target !== 'RETURN') || target === 'DNAT' || OTHER_FINAL_TARGETS.has(target) || f.goto || groupOfName(target) !== null || isEndpointChain(chains, target);
}

export type Step =
  /** A share goes to an endpoint: a chain (`target`) or a DNAT in the chain itself (`target` null). */
  | { kind: 'endpoint'; target: string | null }
  /** Returning clients go back to their endpoint (session affinity). */
  | { kind: 'affinity'; target: string }
  /** A share goes to no endpoint. */
  | { kind: 'diverted'; action: DivertAction; ref: string | null }
  /** The rest is dropped for lack of a node-local endpoint. */
  | { kind: 'no-local' }
  /** kube-proxy's own structure, which the model does not hold: masquerade marks, jumps between one service's chains. */
  | { kind: 'implied' }
  /** Something else: traffic goes on (the model reads no share for it). */
  | { kind: 'unread' };

const IMPLIED: Step = { kind: 'implied' };
const UNREAD: Step = { kind: 'unread' };
const NO_LOCAL: Step = { kind: 'no-local' };

export interface LadderContext {
  chains: ChainLookup;
  /** The service port's protocol: a rule for another protocol takes none of its traffic. */
  protocol: Protocol | null;
  /** The node-local list (KUBE-SVL, KUBE-XLB), where an unconditional KUBE-MARK-DROP means "no local endpoints". */
  local: boolean;
  /** The suffix of the service's chains. */
  hash: string;
}

/** What one rule of a load-balancing chain does. */
export function ladderStep(ctx: LadderContext, rule: IptablesRule): Step {
  const f = rule.facts;
  const target = f.target;
  if (target === null) return UNREAD;
  if (f.recent !== null) {
    const affinity = f.recent.mode === 'rcheck' && !f.selective && !f.goto && isEndpointChain(ctx.chains, target);
    return affinity ? { kind: 'affinity', target } : UNREAD;
  }
  if (target === 'KUBE-MARK-MASQ' && !f.goto) return f.probability === null ? IMPLIED : UNREAD;
  if (!takesAll(f, ctx.protocol)) return groupOfName(target)?.hash === ctx.hash ? IMPLIED : UNREAD;
  if (target === 'KUBE-MARK-DROP' && !f.goto) return ctx.local && f.probability === null ? NO_LOCAL : { kind: 'diverted', action: 'drop', ref: null };
  if (isEndpointChain(ctx.chains, target)) return { kind: 'endpoint', target };
  if (target === 'DNAT') return { kind: 'endpoint', target: null };
  const verdict = VERDICTS.get(target);
  if (verdict) return { kind: 'diverted', action: verdict, ref: null };
  if (OTHER_FINAL_TARGETS.has(target) || f.goto || groupOfName(target) !== null || decides(ctx.chains, target)) return { kind: 'diverted', action: 'other', ref: target };
  return UNREAD;
}

/**
 * Whether ladderStep looks at the rules of the chain this rule jumps to (and maybe of chains
 * further on); otherwise the target's name (or, for an endpoint, its chain) says all.
 */
export function looksInto(f: RuleFacts): boolean {
  const t = f.target;
  if (t === null || BUILTIN_TARGETS.has(t) || t.startsWith(SEP_PREFIX) || groupOfName(t) !== null) return false;
  return f.goto || !NAMED_ONLY_TARGETS.includes(t);
}

/** kube-proxy's chains whose name says all the model reads of a jump there: it does not look into them. */
export const NAMED_ONLY_TARGETS: readonly string[] = ['KUBE-MARK-MASQ', 'KUBE-MARK-DROP'];

/** Where a step sends its share, as one key: the model adds up the shares of steps with the same key. */
export function destinationKey(step: Step, rule: IptablesRule): string | null {
  if (step.kind === 'endpoint') return step.target ?? `DNAT ${rule.facts.dnat?.address ?? rule.line}`;
  return step.kind === 'diverted' ? `${step.action} ${step.ref ?? ''}` : null;
}

/**
 * How the model accounts for a rule it read as `step`: `modelled` when the model holds all it
 * does (a change to it changes the model), `implied` for kube-proxy's structure.
 */
export function stepAccount(step: Step, rule: IptablesRule, affinitySeconds: number | null): RuleAccount | null {
  const f = rule.facts;
  switch (step.kind) {
    case 'endpoint':
    case 'diverted':
    case 'no-local':
      return f.complete ? 'modelled' : null;
    case 'affinity':
      return f.recent !== null && !f.recent.unusual && f.recent.name === step.target && f.recent.seconds === affinitySeconds && f.protocol === null ? 'modelled' : null;
    case 'implied':
      return 'implied';
    default:
      return null;
  }
}
