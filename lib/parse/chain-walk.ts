/**
 * The part of a packet trace every rule language shares: chains of rules walked as the kernel
 * walks them — a jump returns to the rule after it, a goto does not, a return (or the end of a
 * chain) goes back to the last jump, the end of a base chain is its policy — with random branches
 * taken side by side as weights, and a chain loop found instead of followed. Each reader says what
 * one rule does to a branch (lib/parse/<mode>/trace-walk.ts).
 */
import type { ScenarioWalk, TraceAssumption, TraceFinding, TraceLeaf, TraceOutcome } from '../model/trace';
import { sanitizeLine } from '../sanitize';

/** Subjects named in one assumption before the rest are counted. */
const SUBJECTS_NAMED = 6;

/** `a, b and c`; past SUBJECTS_NAMED, `a, b, … and 7 more`. */
function listed(subjects: readonly string[]): string {
  const named = subjects.slice(0, SUBJECTS_NAMED);
  const rest = subjects.length - named.length;
  if (rest > 0) return `${named.join(', ')} and ${rest} more`;
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : (named[0] ?? '');
}

/** One assumption: a fixed message, or one said of every subject met (`10.244.0.5 and 10.244.0.6 taken as …`). */
type Entry = { chain: string | null; line: number | null } & ({ message: string } | { about: (subjects: string, many: boolean) => string; subjects: Set<string> });

/**
 * What a walk assumed, said once per rule and kind (over every source scenario of a trace, when
 * they share one), sanitised. An assumption made of several subjects (the addresses a rule's
 * `addrtype LOCAL` was asked about) is one line naming them all.
 */
export class Assumptions {
  private readonly entries = new Map<string, Entry>();

  add(chain: string | null, line: number | null, message: string): void {
    const key = `${chain ?? ''}\n${line ?? ''}\n${message}`;
    if (!this.entries.has(key)) this.entries.set(key, { chain, line, message });
  }

  /** `kind` names what is assumed at this rule; `about(subjects, many)` says it of every subject met there. */
  addAbout(chain: string, line: number | null, kind: string, subject: string, about: (subjects: string, many: boolean) => string): void {
    const key = `about\n${chain}\n${line ?? ''}\n${kind}`;
    const entry = this.entries.get(key);
    if (entry && 'subjects' in entry) entry.subjects.add(subject);
    else this.entries.set(key, { chain, line, about, subjects: new Set([subject]) });
  }

  get list(): TraceAssumption[] {
    return [...this.entries.values()].map((e) => {
      const message = 'message' in e ? e.message : e.about(listed([...e.subjects].sort()), e.subjects.size > 1);
      return { chain: e.chain, line: e.line, message: sanitizeLine(message) };
    });
  }
}

/** How a walk of one hook's chains ends for a branch. */
export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject' }
  | { kind: 'dnat'; address: string }
  /** Source NAT to the outgoing address (MASQUERADE, SNAT). */
  | { kind: 'masquerade' }
  | { kind: 'loop' }
  /** Sent to a chain the snapshot does not hold, or cut short: what happens next is not known. */
  | { kind: 'unknown' };

export type Effect =
  /** The rule did not match, or matched and lets the packet go on (a mark, a log). */
  | { kind: 'next' }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'return' }
  | { kind: 'stop'; verdict: Verdict };

/** One way a rule can go for a branch; the weights of a rule's outcomes add up to 1. */
export interface RuleOutcome<S> {
  weight: number;
  state: S;
  effect: Effect;
}

export interface WalkChain<R> {
  rules: readonly R[];
  /** What the end of a base chain does; user chains return. */
  policy: 'accept' | 'drop';
}

export interface WalkMachine<R, S> {
  chain(name: string): WalkChain<R> | undefined;
  /**
   * The first rule of `chain` from `index` on that can match a packet in `state` (the rules
   * passed over cannot: they name another destination); its length when none can. Lets a walk
   * through a KUBE-SERVICES of 20,000 rules take a few steps.
   */
  firstCandidate?(chain: string, index: number, state: S): number;
  step(rule: R, chain: string, state: S): RuleOutcome<S>[];
  /** The rule's line, for findings. */
  lineOf(rule: R): number | null;
  /** Where the walk says what it assumed (shared by the walks of every source scenario). */
  readonly assumptions: Assumptions;
}

export interface WalkEnd<S> {
  weight: number;
  state: S;
  chains: string[];
  verdict: Verdict;
}

export interface ChainWalk<S> {
  ends: WalkEnd<S>[];
  findings: TraceFinding[];
  /** Chains a rule sends to that the snapshot does not hold. */
  missingChains: string[];
}

interface Frame {
  chain: string;
  index: number;
  /** Chains this frame went through by goto, its first one included: entering one again is a loop. */
  lineage: string[];
}

interface Branch<S> {
  weight: number;
  state: S;
  frames: Frame[];
  chains: string[];
}

/** Rule steps one walk may take: past them, what is left of it is cut short as unknown. */
const MAX_STEPS = 2_000_000;

/**
 * Walks a base chain's rules for a packet; branches of weight 0 are dropped as they appear. Past
 * `maxSteps` rule steps (rules that branch and then go on alike, e.g. a ladder into chains that
 * return), what is left of the walk ends as unknown.
 */
export function walkChains<R, S>(start: string, machine: WalkMachine<R, S>, state: S, weight = 1, maxSteps = MAX_STEPS): ChainWalk<S> {
  const ends: WalkEnd<S>[] = [];
  const findings: TraceFinding[] = [];
  const missing = new Set<string>();
  const base = machine.chain(start);
  if (!base) return { ends: [{ weight, state, chains: [], verdict: { kind: 'accept' } }], findings, missingChains: [] };
  const work: Branch<S>[] = [{ weight, state, frames: [{ chain: start, index: 0, lineage: [start] }], chains: [start] }];
  let steps = 0;
  const loop = (b: Branch<S>, chain: string, target: string, line: number | null): void => {
    const message = `chain loop: ${sanitizeLine(chain)} leads back to ${sanitizeLine(target)}${line === null ? '' : ` (line ${line})`}; the kernel refuses such rules, and the trace stops there`;
    if (!findings.some((f) => f.message === message)) findings.push({ kind: 'chain-loop', chain, line, message });
    ends.push({ weight: b.weight, state: b.state, chains: [...b.chains, target], verdict: { kind: 'loop' } });
  };
  for (let b = work.pop(); b; b = work.pop()) {
    const top = b.frames[b.frames.length - 1] as Frame;
    const chain = machine.chain(top.chain) as WalkChain<R>;
    const index = machine.firstCandidate?.(top.chain, top.index, b.state) ?? top.index;
    const frame = index === top.index ? top : { ...top, index };
    if (frame.index >= chain.rules.length) {
      if (b.frames.length === 1) ends.push({ weight: b.weight, state: b.state, chains: b.chains, verdict: { kind: chain.policy } });
      else work.push({ ...b, frames: b.frames.slice(0, -1) });
      continue;
    }
    if (++steps > maxSteps) {
      machine.assumptions.add(null, null, `the rules from ${start} branch into more than ${maxSteps} rule steps: the walk was cut short there, and where the rest goes is unknown`);
      for (const cut of [b, ...work]) ends.push({ weight: cut.weight, state: cut.state, chains: cut.chains, verdict: { kind: 'unknown' } });
      break;
    }
    const rule = chain.rules[frame.index] as R;
    // Last first: the work list is a stack, and the first way a rule goes is walked first (questions about the source come in rule order).
    for (const out of machine.step(rule, frame.chain, b.state).reverse()) {
      const w = b.weight * out.weight;
      if (!(w > 0)) continue;
      const advanced: Frame = { ...frame, index: frame.index + 1 };
      const frames = [...b.frames.slice(0, -1), advanced];
      const next: Branch<S> = { weight: w, state: out.state, frames, chains: b.chains };
      const e = out.effect;
      if (e.kind === 'next') {
        work.push(next);
      } else if (e.kind === 'stop') {
        ends.push({ weight: w, state: out.state, chains: b.chains, verdict: e.verdict });
      } else if (e.kind === 'return') {
        if (frames.length === 1) ends.push({ weight: w, state: out.state, chains: b.chains, verdict: { kind: chain.policy } });
        else work.push({ ...next, frames: frames.slice(0, -1) });
      } else if (!machine.chain(e.chain)) {
        // Taking it as returning at once would send its share on down a ladder: a wrong answer.
        missing.add(e.chain);
        machine.assumptions.add(frame.chain, machine.lineOf(rule), `${e.chain} is not in the snapshot: what it does is unknown`);
        ends.push({ weight: w, state: out.state, chains: [...b.chains, e.chain], verdict: { kind: 'unknown' } });
      } else if (frames.some((f) => f.lineage.includes(e.chain))) {
        loop(next, frame.chain, e.chain, machine.lineOf(rule));
      } else if (e.kind === 'jump') {
        work.push({ ...next, frames: [...frames, { chain: e.chain, index: 0, lineage: [e.chain] }], chains: [...b.chains, e.chain] });
      } else {
        const lineage = [...advanced.lineage, e.chain];
        work.push({ ...next, frames: [...frames.slice(0, -1), { chain: e.chain, index: 0, lineage }], chains: [...b.chains, e.chain] });
      }
    }
  }
  return { ends, findings, missingChains: [...missing] };
}

function outcomeOf(v: Verdict): TraceOutcome {
  switch (v.kind) {
    case 'dnat':
      return { kind: 'dnat', address: v.address };
    case 'drop':
      return { kind: 'dropped' };
    case 'reject':
      return { kind: 'rejected' };
    case 'loop':
      return { kind: 'loop' };
    case 'unknown':
      return { kind: 'unknown' };
    default:
      return { kind: 'untranslated' };
  }
}

/** A base chain a hook runs, walked by the machine of its table. */
export interface HookChain<S> {
  walk(state: S, weight: number): ChainWalk<S>;
  /** Put before the names of its chains in a path when they are of another table than the nat one (`filter:KUBE-SERVICES`). */
  table: string | null;
}

export function hookChain<R, S>(machine: WalkMachine<R, S>, chain: string, table: string | null = null): HookChain<S> {
  return { walk: (state, weight) => walkChains(chain, machine, state, weight), table };
}

/**
 * The base chains a new connection meets, in the kernel's order: before routing (prerouting, or
 * output for a packet the node sends; the nat chain's DNAT decides where it goes), after routing
 * (forward, or input when it is then for the node: where kube-proxy rejects what has no
 * endpoints), and postrouting, where it may be masqueraded. Where the snapshot holds no
 * postrouting chain, `exit` says from the state whether it would be masqueraded.
 */
export interface NatPipeline<S> {
  entry: readonly HookChain<S>[];
  routed(state: S): readonly HookChain<S>[];
  exit: readonly HookChain<S>[] | ((state: S) => boolean);
}

/** A branch on its way through the hooks. */
interface Passage<S> {
  weight: number;
  state: S;
  chains: string[];
  outcome: TraceOutcome;
  masquerade: boolean;
}

function going(o: TraceOutcome): boolean {
  return o.kind === 'dnat' || o.kind === 'untranslated';
}

/**
 * A passage through one hook's base chains: an accept (or a DNAT, or a masquerade) goes on to the
 * next, anything else ends it. In postrouting (`translated` kept), a chain the snapshot lacks
 * leaves where the packet goes as it was, and is not taken to masquerade (an assumption says so).
 */
function throughHook<S>(hook: readonly HookChain<S>[], from: Passage<S>, found: Pick<ScenarioWalk, 'findings' | 'missingChains'>, keepOnUnknown = false): Passage<S>[] {
  let passing = [from];
  const ended: Passage<S>[] = [];
  for (const base of hook) {
    const next: Passage<S>[] = [];
    for (const p of passing) {
      const walk = base.walk(p.state, p.weight);
      found.findings.push(...walk.findings);
      found.missingChains.push(...walk.missingChains);
      for (const end of walk.ends) {
        const on: Passage<S> = { ...p, weight: end.weight, state: end.state, chains: [...p.chains, ...end.chains.map((c) => (base.table ? `${base.table}:${c}` : c))] };
        const v = end.verdict;
        if (v.kind === 'accept') next.push(on);
        else if (v.kind === 'dnat') next.push({ ...on, outcome: { kind: 'dnat', address: v.address } });
        else if (v.kind === 'masquerade') next.push({ ...on, masquerade: true });
        else if (v.kind === 'unknown' && keepOnUnknown) ended.push(on);
        else ended.push({ ...on, outcome: outcomeOf(v) });
      }
    }
    passing = next;
  }
  return [...passing, ...ended];
}

/** A packet through the hooks of `pipeline`: one leaf per way it leaves them. */
export function walkNat<S>(pipeline: NatPipeline<S>, state: S): ScenarioWalk {
  const found: Pick<ScenarioWalk, 'findings' | 'missingChains'> = { findings: [], missingChains: [] };
  const leaves: TraceLeaf[] = [];
  const leaf = (p: Passage<S>): void => {
    leaves.push({ chains: p.chains, probability: p.weight, outcome: p.outcome, masquerade: p.masquerade && going(p.outcome) });
  };
  for (const entered of throughHook(pipeline.entry, { weight: 1, state, chains: [], outcome: { kind: 'untranslated' }, masquerade: false }, found)) {
    if (!going(entered.outcome)) {
      leaf(entered);
      continue;
    }
    for (const routed of throughHook(pipeline.routed(entered.state), entered, found)) {
      const exit = pipeline.exit;
      if (!going(routed.outcome)) leaf(routed);
      else if (typeof exit === 'function') leaf({ ...routed, masquerade: exit(routed.state) });
      else for (const left of throughHook(exit, routed, found, true)) leaf(left);
    }
  }
  return { leaves, ...found };
}
