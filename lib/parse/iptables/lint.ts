/**
 * What an iptables dump's rules show is wrong, rule by rule (Snapshot.lint): jumps to chains the
 * table does not hold, kube-proxy chains nothing jumps to, endpoint chains jumped to that hold no
 * rule, built-in chains that no longer lead to kube-proxy's, chain names that are not kube-proxy's
 * hash of what their comments say they serve, rules written twice in a chain kube-proxy writes each
 * rule of once, kube-proxy rules without comments, and both iptables back ends holding kube-proxy's
 * rules.
 */
import { LEFT_OVER, lineRanges, lintFinding, NOT_KUBE_PROXYS_NAME, type LintFinding } from '../../model/lint';
import { repeatedRules, type Chain, type Table } from '../../model/ruleset';
import { sanitizeLine } from '../../sanitize';
import { BUILTIN_CHAINS } from './builtin-chains';
import { endpointHash, servicePortHash } from './chain-names';
import { cutReason } from './completeness';
import { displaySpn, parseComment } from './kube-comments';
import { groupOfName, SEP_PREFIX } from './ladder';
import type { IptablesDump } from './parse-dump';
import type { IptablesRule } from './rule';
import { BUILTIN_TARGETS } from './targets';

type IptChain = Chain<IptablesRule>;
type IptTable = Table<IptablesRule>;

/** kube-proxy drops the comments of endpoint rules above this many endpoints (largeClusterEndpointsThreshold). */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** Listings of what a kernel holds: a table there never jumps to a chain it does not have. */
const KERNEL_LISTINGS: ReadonlySet<string> = new Set(['iptables-save', 'iptables -S', 'iptables -L', 'nft list (iptables-nft)', 'nft -j (iptables-nft)']);

/**
 * Whether the dump lists this table whole, as the kernel holds it: a kernel listing, not cut,
 * that shows a built-in chain's policy (a listing of one chain shows none).
 */
function wholeTable(dump: IptablesDump, table: IptTable): boolean {
  if (!KERNEL_LISTINGS.has(dump.format) || cutReason(dump) !== null) return false;
  return [...table.chains.values()].some((c) => BUILTIN_CHAINS.has(c.name) && c.policy !== null);
}

/** kube-proxy's per-service and per-endpoint chains (KUBE-SVC/SVL/EXT/FW/XLB/SEP-…). */
function isServiceChain(name: string): boolean {
  return name.startsWith(SEP_PREFIX) || groupOfName(name) !== null;
}

/** The rules that jump or go to each chain, from other chains. */
function jumpsInto(table: IptTable): Map<string, IptablesRule[]> {
  const into = new Map<string, IptablesRule[]>();
  for (const chain of table.chains.values()) {
    for (const rule of chain.rules) {
      const target = rule.facts.target;
      if (target === null || target === chain.name) continue;
      const list = into.get(target);
      if (list) list.push(rule);
      else into.set(target, [rule]);
    }
  }
  return into;
}

const UNLOADABLE = 'iptables-restore refuses such rules, so no kernel holds them: the dump was edited or spliced (take a new one: natdiff snap)';

function danglingJumps(table: IptTable): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    for (const rule of chain.rules) {
      const target = rule.facts.target;
      if (target === null || BUILTIN_TARGETS.has(target) || table.chains.has(target)) continue;
      const detail = `${rule.facts.goto ? 'goes (-g)' : 'jumps (-j)'} to ${sanitizeLine(target)}, which table ${table.name} does not hold`;
      found.push(lintFinding('dangling-jump', chain.name, rule.line, { sentence: `${sanitizeLine(chain.name)} ${detail}`, detail, explanation: UNLOADABLE }));
    }
  }
  return found;
}

function orphanChains(table: IptTable, into: Map<string, IptablesRule[]>): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    if (!isServiceChain(chain.name) || into.has(chain.name)) continue;
    found.push(lintFinding('orphan-chain', chain.name, chain.line, { sentence: `${sanitizeLine(chain.name)} is not jumped to by any rule`, detail: 'not jumped to by any rule', explanation: LEFT_OVER }));
  }
  return found;
}

const EMPTY_ENDPOINT = "kube-proxy writes an endpoint chain's rules with the chain: a dump cut by whoever pasted it reads so (take it again: natdiff snap); on a node, something flushed the chain: restart kube-proxy there";

/** Endpoint chains jumped to that hold no rule: what is sent there leaves them untranslated, to the rules after the jump. */
function emptyEndpoints(table: IptTable, into: Map<string, IptablesRule[]>): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    const from = into.get(chain.name);
    if (!chain.name.startsWith(SEP_PREFIX) || chain.rules.length > 0 || !from) continue;
    const jumps = from.length === 1 ? `line ${from[0]?.line} jumps` : `lines ${lineRanges(from.map((r) => r.line))} jump`;
    const detail = `holds no rule, yet ${jumps} to it: its endpoint gets no connection, and what is sent there goes on untranslated`;
    found.push(lintFinding('empty-endpoint', chain.name, chain.line, { sentence: `${sanitizeLine(chain.name)} ${detail}`, detail, explanation: EMPTY_ENDPOINT }));
  }
  return found;
}

/** The jumps kube-proxy adds from the nat table's built-in chains (iptables and IPVS mode), and what is lost without each. */
const HOOKS: readonly { from: string; to: string; lost: string }[] = [
  { from: 'PREROUTING', to: 'KUBE-SERVICES', lost: "connections that enter the node (from its pods and from outside) never reach kube-proxy's service rules" },
  { from: 'OUTPUT', to: 'KUBE-SERVICES', lost: "the node's own connections (host-network pods, the kubelet) never reach kube-proxy's service rules" },
  { from: 'POSTROUTING', to: 'KUBE-POSTROUTING', lost: 'connections kube-proxy marks for masquerading leave the node unmasqueraded' },
];

const UNHOOKED = 'kube-proxy adds this jump when it starts and again at a full sync: something removed it since (a firewall script, a flush of the chain); restart kube-proxy on the node, and find what removes it';

/** The chains a chain leads to, through jumps and gotos. */
function reachable(table: IptTable, from: string): Set<string> {
  const seen = new Set<string>([from]);
  const queue = [from];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const rule of table.chains.get(name)?.rules ?? []) {
      const target = rule.facts.target;
      if (target !== null && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

/** kube-proxy's entry chains that a built-in chain of the whole nat table no longer leads to. */
function missingHooks(table: IptTable): LintFinding[] {
  if (table.name !== 'nat') return [];
  const found: LintFinding[] = [];
  for (const { from, to, lost } of HOOKS) {
    const builtin = table.chains.get(from);
    if (!builtin || !(table.chains.get(to)?.rules.length) || reachable(table, from).has(to)) continue;
    const detail = `does not lead to ${to}: ${lost}`;
    found.push(lintFinding('missing-hook', from, builtin.line, { sentence: `${from} ${detail}`, detail, explanation: UNHOOKED }));
  }
  return found;
}

/** kube-proxy's load-balancing and endpoint chains, which it writes each rule of once (an FW chain of old releases repeats its rules per load-balancer IP). */
function writtenOnce(name: string): boolean {
  const kind = groupOfName(name)?.kind;
  return name.startsWith(SEP_PREFIX) || kind === 'svc' || kind === 'svl' || kind === 'xlb';
}

const REPEATED = "kube-proxy writes each rule of a service's load-balancing and endpoint chains once: a dump put together with a block pasted twice reads so (take it again: natdiff snap); on a node, something besides kube-proxy appended them. A repeat below the rule that takes all remaining traffic never matches, and changes no share";

/** One finding per chain whose rules repeat rules above them word for word. */
function repeatedRuleFindings(table: IptTable): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    if (!writtenOnce(chain.name)) continue;
    const repeats = [...repeatedRules(chain)];
    if (repeats.length === 0) continue;
    const [[rule, first]] = repeats as [[IptablesRule, IptablesRule]];
    const detail = repeats.length === 1 ? `line ${rule.line} repeats line ${first.line}` : `lines ${lineRanges(repeats.map(([r]) => r.line))} repeat lines ${lineRanges(repeats.map(([, f]) => f.line))}`;
    found.push(lintFinding('repeated-rule', chain.name, rule.line, { sentence: `${sanitizeLine(chain.name)}: ${detail}`, detail, explanation: REPEATED }));
  }
  return found;
}

/** The protocol of a chain's traffic: its own rules' `-p`, else that of the rules that jump to it. */
function protocolOf(chain: IptChain, into: Map<string, IptablesRule[]>): string | null {
  for (const rule of chain.rules) if (rule.facts.protocol) return rule.facts.protocol;
  for (const rule of into.get(chain.name) ?? []) if (rule.facts.protocol) return rule.facts.protocol;
  return null;
}

/** The service port name the chain's comments give. */
function commentSpn(chain: IptChain): string | null {
  for (const rule of chain.rules) {
    const said = parseComment(rule.comment);
    if (said) return said.spn;
  }
  return null;
}

/**
 * The name kube-proxy would give the chain, from what its comments and rules say it serves; null
 * when they do not say enough (no comment, no protocol, an endpoint chain without a readable DNAT).
 */
function expectedName(chain: IptChain, into: Map<string, IptablesRule[]>): string | null {
  const spn = commentSpn(chain);
  const protocol = protocolOf(chain, into);
  if (spn === null || protocol === null) return null;
  if (chain.name.startsWith(SEP_PREFIX)) {
    const address = chain.rules.find((r) => r.facts.dnat !== null)?.facts.dnat?.address;
    return address ? `${SEP_PREFIX}${endpointHash(spn, protocol, address)}` : null;
  }
  const kind = groupOfName(chain.name)?.kind;
  return kind ? `KUBE-${kind.toUpperCase()}-${servicePortHash(spn, protocol)}` : null;
}

function hashMismatches(table: IptTable, into: Map<string, IptablesRule[]>): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    if (!isServiceChain(chain.name)) continue;
    const expected = expectedName(chain, into);
    if (expected === null || expected === chain.name) continue;
    const what = chain.name.startsWith(SEP_PREFIX) ? 'that endpoint of ' : '';
    const spn = displaySpn(commentSpn(chain) as string);
    const detail = `its comments say it serves ${what}${sanitizeLine(spn)}, but kube-proxy names that chain ${expected}`;
    found.push(lintFinding('hash-mismatch', chain.name, chain.line, { sentence: `${sanitizeLine(chain.name)}: ${detail}`, detail, explanation: NOT_KUBE_PROXYS_NAME }));
  }
  return found;
}

/** nft prints no `-m comment` of iptables-nft's rules: a listing by nft shows none, whatever the rules hold. */
const LISTINGS_WITHOUT_COMMENTS: ReadonlySet<string> = new Set(['nft list (iptables-nft)', 'nft -j (iptables-nft)']);

/** Endpoint chains without comments named in the finding; the rest are counted. */
const SHOWN_BARE = 3;

/** One finding for the endpoint chains whose rules carry no comment: what kube-proxy does above 1000 endpoints. */
function missingComments(dump: IptablesDump, tables: IptTable[]): LintFinding[] {
  if (LISTINGS_WITHOUT_COMMENTS.has(dump.format)) return [];
  const endpointChains = tables.flatMap((t) => [...t.chains.values()].filter((c) => c.name.startsWith(SEP_PREFIX) && c.rules.length > 0));
  const bare = endpointChains.filter((c) => c.rules.every((r) => r.comment === null));
  if (bare.length === 0) return [];
  const large = endpointChains.length > LARGE_CLUSTER_ENDPOINTS;
  const explanation = large
    ? `kube-proxy leaves them out above ${LARGE_CLUSTER_ENDPOINTS} endpoints, as here (${endpointChains.length}): service names then come from the chain hashes`
    : `kube-proxy leaves them out only above ${LARGE_CLUSTER_ENDPOINTS} endpoints, and this dump has ${endpointChains.length}: stripped by whoever made the file, or written by another tool; service names are then recovered from chain hashes only`;
  const severity = large ? 'info' : 'warning';
  if (bare.length === 1) {
    const only = bare[0] as IptChain;
    return [lintFinding('no-comments', only.name, only.line, { sentence: `${sanitizeLine(only.name)} carries no comments`, detail: 'carries no comments', explanation }, severity)];
  }
  const shown = bare.slice(0, SHOWN_BARE).map((c) => `${sanitizeLine(c.name)}:${c.line}`).join(', ');
  const more = bare.length > SHOWN_BARE ? ` and ${bare.length - SHOWN_BARE} more` : '';
  // Many chains, one fact: not about one place.
  return [lintFinding('no-comments', null, null, { sentence: `${bare.length} endpoint chains carry no comments (${shown}${more})`, explanation }, severity)];
}

function dualBackend(dump: IptablesDump): LintFinding[] {
  const other = dump.header.otherBackend;
  const here = [...dump.ruleset.tables.values()].some((t) => [...t.chains.keys()].some((n) => n.startsWith('KUBE-')));
  if (!other?.kubeRules || !here) return [];
  return [
    lintFinding('dual-backend', null, other.line, {
      sentence: `both iptables back ends hold kube-proxy's rules: ${sanitizeLine(dump.header.backend ?? '?')} (read) and ${sanitizeLine(other.backend)} (from line ${other.line}, not read)`,
      explanation: "the kernel runs both, and only one is what kube-proxy maintains now: flush the KUBE- chains of the other (`iptables --version` in kube-proxy's pod names its back end)",
    }),
  ];
}

export function lintIptables(dump: IptablesDump): LintFinding[] {
  const tables = [...dump.ruleset.tables.values()];
  const found: LintFinding[] = [];
  for (const table of tables) {
    const into = jumpsInto(table);
    if (wholeTable(dump, table)) found.push(...danglingJumps(table), ...orphanChains(table, into), ...emptyEndpoints(table, into), ...missingHooks(table));
    found.push(...hashMismatches(table, into), ...repeatedRuleFindings(table));
  }
  return [...found, ...missingComments(dump, tables), ...dualBackend(dump)];
}
