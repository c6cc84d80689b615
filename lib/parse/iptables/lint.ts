/**
 * What an iptables dump's rules show is wrong, rule by rule (Snapshot.lint): jumps to chains the
 * table does not hold, kube-proxy chains nothing jumps to, chain names that are not kube-proxy's
 * hash of what their comments say they serve, kube-proxy rules without comments, and both
 * iptables back ends holding kube-proxy's rules.
 */
import { lintFinding, type LintFinding } from '../../model/lint';
import type { Chain, Table } from '../../model/ruleset';
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

function danglingJumps(table: IptTable): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    for (const rule of chain.rules) {
      const target = rule.facts.target;
      if (target === null || BUILTIN_TARGETS.has(target) || table.chains.has(target)) continue;
      const how = rule.facts.goto ? 'goes (-g)' : 'jumps (-j)';
      found.push(lintFinding('dangling-jump', chain.name, rule.line, `${sanitizeLine(chain.name)} ${how} to ${sanitizeLine(target)}, which table ${table.name} does not hold: iptables-restore refuses such rules, so the kernel cannot hold them (a hand-edited or spliced dump?)`));
    }
  }
  return found;
}

function orphanChains(table: IptTable, into: Map<string, IptablesRule[]>): LintFinding[] {
  const found: LintFinding[] = [];
  for (const chain of table.chains.values()) {
    if (!isServiceChain(chain.name) || into.has(chain.name)) continue;
    found.push(lintFinding('orphan-chain', chain.name, chain.line, `${sanitizeLine(chain.name)} is not jumped to by any rule: kube-proxy deletes a chain it no longer uses at a later sync, so one that stays is left over (a restart, a mode switch, or another writer)`));
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
    found.push(lintFinding('hash-mismatch', chain.name, chain.line, `${sanitizeLine(chain.name)}: its comments say it serves ${what}${sanitizeLine(spn)}, but kube-proxy names that chain ${expected} (renamed, redacted or written by another tool)`));
  }
  return found;
}

/** nft prints no `-m comment` of iptables-nft's rules: a listing by nft shows none, whatever the rules hold. */
const LISTINGS_WITHOUT_COMMENTS: ReadonlySet<string> = new Set(['nft list (iptables-nft)', 'nft -j (iptables-nft)']);

/** One finding for the endpoint chains whose rules carry no comment: what kube-proxy does above 1000 endpoints. */
function missingComments(dump: IptablesDump, tables: IptTable[]): LintFinding[] {
  if (LISTINGS_WITHOUT_COMMENTS.has(dump.format)) return [];
  const endpointChains = tables.flatMap((t) => [...t.chains.values()].filter((c) => c.name.startsWith(SEP_PREFIX) && c.rules.length > 0));
  const bare = endpointChains.filter((c) => c.rules.every((r) => r.comment === null));
  if (bare.length === 0) return [];
  const first = bare[0] as IptChain;
  const large = endpointChains.length > LARGE_CLUSTER_ENDPOINTS;
  const why = large
    ? `kube-proxy leaves them out above ${LARGE_CLUSTER_ENDPOINTS} endpoints, as here (${endpointChains.length})`
    : `kube-proxy leaves them out only above ${LARGE_CLUSTER_ENDPOINTS} endpoints, and this dump has ${endpointChains.length}: stripped by whoever made the file, or written by another tool`;
  const chains = bare.length === 1 ? `${sanitizeLine(first.name)} carries` : `${bare.length} endpoint chains (${sanitizeLine(first.name)}…) carry`;
  return [lintFinding('no-comments', bare.length === 1 ? first.name : null, first.line, `${chains} no comments: ${why}; service names are then recovered from chain hashes only`, large ? 'info' : 'warning')];
}

function dualBackend(dump: IptablesDump): LintFinding[] {
  const other = dump.header.otherBackend;
  const here = [...dump.ruleset.tables.values()].some((t) => [...t.chains.keys()].some((n) => n.startsWith('KUBE-')));
  if (!other?.kubeRules || !here) return [];
  return [lintFinding('dual-backend', null, other.line, `both iptables back ends hold kube-proxy's rules: ${sanitizeLine(dump.header.backend ?? '?')} (read) and ${sanitizeLine(other.backend)} (from this line, not read); the kernel runs both, and only one is what kube-proxy maintains now`)];
}

export function lintIptables(dump: IptablesDump): LintFinding[] {
  const tables = [...dump.ruleset.tables.values()];
  const found: LintFinding[] = [];
  for (const table of tables) {
    const into = jumpsInto(table);
    if (wholeTable(dump, table)) found.push(...danglingJumps(table), ...orphanChains(table, into));
    found.push(...hashMismatches(table, into));
  }
  return [...found, ...missingComments(dump, tables), ...dualBackend(dump)];
}
