/**
 * Where one packet goes, whatever the dataplane: the distribution of its final destinations,
 * whether it is masqueraded, the chains it takes, and what the trace had to assume. Each reader
 * walks its own rules (lib/parse/<mode>/trace-walk.ts) and hands back leaves; this file turns the
 * walks of every source scenario into one result.
 */
import { joinHostPort } from './addresses';
import type { Protocol } from './service';
import { implies, ipInCidr, ParsedNetworks, SourceSpace, type Family, type SourceQuestion } from './trace-sources';

/** The packet to trace: a new connection (no conntrack entry, no affinity entry unless `affinityHit`). */
export interface TracePacket {
  /** Destination IP in canonical form (IPv6 without brackets). */
  destinationIp: string;
  port: number;
  protocol: Protocol;
  /** Source IP; null when not given: then every source the rules tell apart is tried. */
  sourceIp: string | null;
  /** The node's own addresses (`addrtype LOCAL`); null when not given. */
  nodeIps: readonly string[] | null;
  /** Sent by the node itself (nat OUTPUT), not arriving from elsewhere (nat PREROUTING). */
  local: boolean;
  /** A returning client whose affinity entry names this endpoint (`ip:port`); null for a first packet. */
  affinityHit: string | null;
}

/** How a path leaves nat: translated to an endpoint, or not. */
export type TraceOutcome =
  | { kind: 'dnat'; address: string }
  /** Accepted (by a rule or a chain's policy) without a DNAT: it keeps its destination. */
  | { kind: 'untranslated' }
  | { kind: 'dropped' }
  | { kind: 'rejected' }
  /** The walk ran into a chain loop (see TraceFinding): where it would go is unknown. */
  | { kind: 'loop' }
  /** The walk was sent to a chain the snapshot does not hold (the path's last chain): where it goes is unknown. */
  | { kind: 'unknown' };

/** One way through the rules, as a walker finds it. */
export interface TraceLeaf {
  /** Chains in the order taken, the prerouting (or output) walk then the postrouting one. */
  chains: string[];
  probability: number;
  outcome: TraceOutcome;
  masquerade: boolean;
}

export interface TraceAssumption {
  chain: string | null;
  line: number | null;
  message: string;
}

/** Something wrong with the rules that the trace ran into: a chain loop, which the kernel refuses to load. */
export interface TraceFinding {
  kind: 'chain-loop';
  chain: string;
  line: number | null;
  message: string;
}

/** What one walk of the rules found, for one answer to each question about the source. */
export interface ScenarioWalk {
  leaves: TraceLeaf[];
  findings: TraceFinding[];
  /** Chains the rules send to that the snapshot does not hold (a fragment): what they do is unknown. */
  missingChains: string[];
}

export interface TraceDestination {
  address: string;
  probability: number;
}

export interface TracePath {
  chains: string[];
  probability: number;
  /** `ip:port` for a DNAT, else `untranslated`, `dropped`, `rejected`, `loop`, `unknown` (into its last chain, which the snapshot lacks). */
  result: string;
  masquerade: boolean;
}

export type MasqueradeAnswer = 'always' | 'never' | 'sometimes';

/** Masquerading for one kind of source: `in 10.244.0.0/16`, with an address of it to give as `--from`. */
export interface MasqueradeBySource {
  masquerade: MasqueradeAnswer;
  /** After "a source": `in 10.244.0.0/16`; null for a client outside every source network the rules name (whose paths are listed). */
  source: string | null;
  /** An address of such a source (`10.244.0.1`), for `--from`; null when the trace cannot name one. */
  example: string | null;
}

export interface TraceResult {
  /** Sorted by probability (highest first, equal to 1e-9 equal), then address. */
  destinations: TraceDestination[];
  /** What the snapshot's rules send to no endpoint (no DNAT, or none it shows): the sum of `unmatchedBy`. */
  unmatched: number;
  unmatchedBy: { untranslated: number; dropped: number; rejected: number; loop: number; unknown: number };
  masquerade: MasqueradeAnswer;
  /**
   * Without `--from`, when masquerading differs by source: the answer for each kind of source the
   * rules tell apart (the first is the client whose paths are listed), else empty.
   */
  masqueradeBySource: MasqueradeBySource[];
  /** Sorted by probability (highest first, equal to 1e-9 equal), then result (as destinations are), then chains. */
  paths: TracePath[];
  assumptions: TraceAssumption[];
  findings: TraceFinding[];
  /** Sorted; non-empty when the path runs into chains the snapshot lacks: the answer is incomplete. */
  missingChains: string[];
}

/**
 * A question about the source the packet does not answer (`source in 10.0.0.0/8`), asked by a
 * walker. `fallback` is the answer for a client outside every network the rules name.
 */
export type AskSource = (question: SourceQuestion, fallback: boolean) => boolean;

/** Source scenarios tried at most: each question may double them. */
const MAX_SCENARIOS = 64;

/** Scenarios told apart by source in a sentence, before "give --from" stands for the rest. */
const SCENARIOS_DESCRIBED = 3;

/** Probabilities as reported: exact to well under 1e-9 (the 2^-31 grid iptables applies), without float noise. */
export function roundProbability(p: number): number {
  return Math.round(p * 1e12) / 1e12;
}

/** Probabilities closer than this are equal: the answer is exact to 1e-9. */
const EQUAL_PROBABILITY = 1e-9;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Highest probability first, probabilities that differ by less than 1e-9 from their neighbour
 * taken as equal and listed by `key`. An iptables ladder's own probabilities (0.33333333349…)
 * give endpoints of equal share probabilities that differ at 1e-11; rounding them to 1e-9 would still
 * split two that straddle a rounding boundary.
 */
export function sortByProbability<T>(items: readonly T[], probability: (item: T) => number, key: (item: T) => string): T[] {
  const exact = [...items].sort((a, b) => probability(b) - probability(a));
  const rank = new Map<T, number>();
  exact.forEach((item, i) => rank.set(item, i > 0 && probability(exact[i - 1] as T) - probability(item) < EQUAL_PROBABILITY ? (rank.get(exact[i - 1] as T) as number) : i));
  return exact.sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number) || compareText(key(a), key(b)));
}

/** Loopback addresses are local whatever the node's addresses. `networks`: those the trace read. */
export function isLocalAddress(ip: string, nodeIps: readonly string[] | null, networks: ParsedNetworks): boolean | null {
  if (ipInCidr(ip, '127.0.0.0/8', networks) || ip === '::1') return true;
  return nodeIps === null ? null : nodeIps.includes(ip);
}

/** `ip:port` of the packet's destination, IPv6 in brackets. */
export function packetAddress(packet: Pick<TracePacket, 'destinationIp' | 'port'>): string {
  return joinHostPort(packet.destinationIp, packet.port);
}

function outcomeText(o: TraceOutcome): string {
  return o.kind === 'dnat' ? o.address : o.kind;
}

function destinationsOf(leaves: readonly TraceLeaf[]): TraceDestination[] {
  const by = new Map<string, number>();
  for (const l of leaves) if (l.outcome.kind === 'dnat') by.set(l.outcome.address, (by.get(l.outcome.address) ?? 0) + l.probability);
  const destinations = [...by].map(([address, p]) => ({ address, probability: roundProbability(p) })).filter((d) => d.probability > 0);
  return sortByProbability(destinations, (d) => d.probability, (d) => d.address);
}

function pathsOf(leaves: readonly TraceLeaf[]): TracePath[] {
  const by = new Map<string, TracePath>();
  for (const l of leaves) {
    const result = outcomeText(l.outcome);
    const key = `${l.chains.join(' ')}\n${result}\n${l.masquerade}`;
    const path = by.get(key);
    if (path) path.probability += l.probability;
    else by.set(key, { chains: l.chains, probability: l.probability, result, masquerade: l.masquerade });
  }
  const paths = [...by.values()].map((p) => ({ ...p, probability: roundProbability(p.probability) })).filter((p) => p.probability > 0);
  return sortByProbability(paths, (p) => p.probability, (p) => `${p.result} ${p.chains.join(' ')}`);
}

function masqueradeOf(leaves: readonly TraceLeaf[]): MasqueradeAnswer {
  // Dropped and rejected packets leave nowhere: masquerading speaks of those that go on.
  const going = leaves.filter((l) => l.probability > 0 && (l.outcome.kind === 'dnat' || l.outcome.kind === 'untranslated'));
  const masqueraded = going.filter((l) => l.masquerade).length;
  return masqueraded === 0 ? 'never' : masqueraded === going.length ? 'always' : 'sometimes';
}

function sameDestinations(a: readonly TraceDestination[], b: readonly TraceDestination[]): boolean {
  return a.length === b.length && a.every((d, i) => d.address === b[i]?.address && Math.abs(d.probability - (b[i]?.probability ?? 0)) < EQUAL_PROBABILITY);
}

function addUnique<T>(into: T[], items: readonly T[], key: (item: T) => string, seen: Set<string>): void {
  for (const item of items) {
    const k = key(item);
    if (!seen.has(k)) {
      seen.add(k);
      into.push(item);
    }
  }
}

interface Answer {
  question: SourceQuestion;
  answer: boolean;
  fallback: boolean;
  /** Given because the other answers rule out the fallback (in 10.244.0.6/32, so in 10.244.0.0/16). */
  forced: boolean;
}

interface Scenario {
  /** Every question the walk asked, with its answer, in order. */
  answers: Answer[];
  /** The sources these answers leave. */
  space: SourceSpace;
  walk: ScenarioWalk;
}

/**
 * Walks once with every question answered with its fallback, then once for each other answer a
 * walk could have been given (its earlier questions answered as they were), breadth first, as
 * long as some source can give those answers: a source in 10.244.0.6/32 is in 10.244.0.0/16, so
 * a scenario that says otherwise is not walked. `cut` when MAX_SCENARIOS left some out.
 */
function exploreScenarios(family: Family, walk: (ask: AskSource) => ScenarioWalk, networks: ParsedNetworks): { scenarios: Scenario[]; cut: boolean } {
  const pending: { fixed: Map<string, Answer>; space: SourceSpace }[] = [{ fixed: new Map(), space: SourceSpace.all(family, networks) }];
  const scenarios: Scenario[] = [];
  let cut = false;
  for (let next = pending.shift(); next; next = pending.shift()) {
    if (scenarios.length >= MAX_SCENARIOS) {
      cut = true;
      break;
    }
    const { fixed } = next;
    let space = next.space;
    const asked = new Map<string, Answer & { before: SourceSpace }>();
    const result = walk((question, fallback) => {
      const known = fixed.get(question.key) ?? asked.get(question.key);
      if (known) return known.answer;
      const asFallback = space.with(question, fallback);
      const answer = asFallback === null ? !fallback : fallback;
      asked.set(question.key, { question, answer, fallback, forced: asFallback === null, before: space });
      space = asFallback ?? space.with(question, answer) ?? space;
      return answer;
    });
    scenarios.push({ answers: [...fixed.values(), ...asked.values()], space, walk: result });
    const before = new Map(fixed);
    for (const a of asked.values()) {
      const other = a.forced ? null : a.before.with(a.question, !a.answer);
      if (other && scenarios.length + pending.length < MAX_SCENARIOS) pending.push({ fixed: new Map([...before, [a.question.key, { ...a, answer: !a.answer }]]), space: other });
      else if (other) cut = true;
      before.set(a.question.key, a);
    }
  }
  return { scenarios, cut: cut || pending.length > 0 };
}

/** The answers that set a scenario apart from the first: other than the fallback, and not forced by others. */
function chosenAnswers(s: Scenario): Answer[] {
  return s.answers.filter((a) => a.answer !== a.fallback && !a.forced);
}

/** What sets a scenario apart, after "a source": `in 10.244.0.6/32` (what it implies left out); null for the first. */
function sourceText(s: Scenario, family: Family, networks: ParsedNetworks): string | null {
  const chosen = chosenAnswers(s);
  const said = chosen.filter((b) => !(b.answer && chosen.some((a) => a !== b && a.answer && implies(a.question, b.question, family, networks))));
  return said.length === 0 ? null : said.map((a) => (a.answer ? a.question.yes : a.question.no)).join(' and ');
}

/** `a source in 10.244.0.0/16 (e.g. --from 10.244.0.1)`. */
function sourceSentence(s: Scenario, family: Family, networks: ParsedNetworks): string {
  const example = s.space.example();
  return `a source ${sourceText(s, family, networks) ?? 'outside every source network the rules name'}${example === null ? '' : ` (e.g. --from ${example})`}`;
}

/** The first scenario of each answer `key` gives, in the order walked. */
function firstOfEach<K>(scenarios: readonly Scenario[], key: (s: Scenario) => K): Scenario[] {
  const seen = new Set<K>();
  return scenarios.filter((s) => {
    const k = key(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Runs `walk` once for each answer to the questions it asks about an unknown source, and joins
 * them: destinations and paths are those of a client outside every source network the rules name
 * (every question answered with its fallback); masquerading is over every scenario, so a packet
 * masqueraded for some sources only is masqueraded `sometimes`. The result's assumptions are
 * those about the scenarios; what the walks assumed of the rules is the walker's to add.
 * `networks`: those the walks read (a new one when they read none).
 */
export function traceScenarios(family: Family, walk: (ask: AskSource) => ScenarioWalk, networks = new ParsedNetworks()): TraceResult {
  const { scenarios, cut } = exploreScenarios(family, walk, networks);
  const first = scenarios[0] as Scenario;
  const destinations = destinationsOf(first.walk.leaves);
  const assumptions: TraceAssumption[] = [];
  const findings: TraceFinding[] = [];
  const seenFindings = new Set<string>();
  for (const s of scenarios) addUnique(findings, s.walk.findings, (f) => f.message, seenFindings);
  // The sources that are sent elsewhere, told by the fewest answers that set them apart.
  const differing = scenarios.filter((s) => !sameDestinations(destinationsOf(s.walk.leaves), destinations));
  const fewest = Math.min(...differing.map((s) => chosenAnswers(s).length));
  const told = differing.filter((s) => chosenAnswers(s).length === fewest);
  if (told.length > 0) {
    const more = told.length > SCENARIOS_DESCRIBED ? `, and ${told.length - SCENARIOS_DESCRIBED} more` : '';
    assumptions.push({ chain: null, line: null, message: `where the packet goes depends on its source: shown for a client outside every source network the rules name; it differs for ${told.slice(0, SCENARIOS_DESCRIBED).map((s) => sourceSentence(s, family, networks)).join(', for ')}${more}; give --from` });
  }
  if (cut) assumptions.push({ chain: null, line: null, message: `the rules tell sources apart in more ways than ${MAX_SCENARIOS} scenarios cover: masquerading was judged on those; give --from` });
  const unmatchedBy = { untranslated: 0, dropped: 0, rejected: 0, loop: 0, unknown: 0 };
  for (const l of first.walk.leaves) if (l.outcome.kind !== 'dnat') unmatchedBy[l.outcome.kind] += l.probability;
  for (const k of Object.keys(unmatchedBy) as (keyof typeof unmatchedBy)[]) unmatchedBy[k] = roundProbability(unmatchedBy[k]);
  const byAnswer = firstOfEach(scenarios, (s) => masqueradeOf(s.walk.leaves));
  return {
    destinations,
    unmatched: roundProbability(unmatchedBy.untranslated + unmatchedBy.dropped + unmatchedBy.rejected + unmatchedBy.loop + unmatchedBy.unknown),
    unmatchedBy,
    masquerade: masqueradeOf(scenarios.flatMap((s) => s.walk.leaves)),
    masqueradeBySource: byAnswer.length < 2 ? [] : byAnswer.map((s) => ({ masquerade: masqueradeOf(s.walk.leaves), source: s === first ? null : sourceText(s, family, networks), example: s === first ? null : s.space.example() })),
    paths: pathsOf(first.walk.leaves),
    assumptions,
    findings,
    missingChains: [...new Set(scenarios.flatMap((s) => s.walk.missingChains))].sort(),
  };
}
