/**
 * Whether an iptables input holds whole tables or only part of them. A part — rule lines pasted
 * without their table, one chain listed with `iptables -S CHAIN`, a partial restore payload, a
 * dump that lost KUBE-SERVICES or holds only some of its rules (grep) — cannot show what it lacks:
 * a chain absent from it is unknown, not removed. (A table the kernel holds never jumps to a chain
 * it does not have.)
 */
import { sanitizeLine } from '../../sanitize';
import { missingEnd } from './kube-chain-ends';
import { groupOfName } from './ladder';
import type { IptablesDump } from './parse-dump';

/**
 * Jumps to kube-proxy chains the input does not hold, per table: the first few names. A port's
 * chains left unread (`unread`: their hash suffixes, lib/narrow) are held, only not read.
 */
function danglingKubeJumps(dump: IptablesDump, unread: ReadonlySet<string> | undefined): string[] {
  const missing = new Set<string>();
  const leftUnread = (target: string): boolean => unread !== undefined && unread.has(groupOfName(target)?.hash ?? '');
  for (const table of dump.ruleset.tables.values()) {
    // The last target found held: endpoint chains one after the other all jump to KUBE-MARK-MASQ, looked up once.
    let held: string | null = null;
    for (const chain of table.chains.values()) {
      for (const rule of chain.rules) {
        const target = rule.facts.target;
        if (target === null || target === held || !target.startsWith('KUBE-')) continue;
        if (table.chains.has(target)) held = target;
        else if (!leftUnread(target)) missing.add(target);
      }
    }
  }
  return [...missing];
}

function holdsKubeChainsWithoutDispatch(dump: IptablesDump): boolean {
  const nat = dump.ruleset.tables.get('nat');
  if (!nat || nat.chains.has('KUBE-SERVICES')) return false;
  for (const name of nat.chains.keys()) if (name.startsWith('KUBE-SVC-') || name.startsWith('KUBE-SEP-') || name.startsWith('KUBE-EXT-')) return true;
  return false;
}

/**
 * KUBE-SERVICES without the rule kube-proxy always ends it with (a restore payload, partial or
 * not, writes the chain whole): some of its rules, picked out with grep.
 */
function holdsPartOfDispatch(dump: IptablesDump): boolean {
  const dispatch = dump.ruleset.tables.get('nat')?.chains.get('KUBE-SERVICES');
  // IPVS mode's KUBE-SERVICES matches ipsets and ends otherwise.
  if (dispatch === undefined || dispatch.rules.length === 0 || dispatch.rules.some((r) => r.raw.includes('--match-set'))) return false;
  // In iptables mode kube-proxy ends it with the jump to KUBE-NODEPORTS whatever precedes it (masquerade marks alone, in a cut listing).
  return missingEnd(dispatch.name, dispatch.rules) !== null || dispatch.rules[dispatch.rules.length - 1]?.facts.target !== 'KUBE-NODEPORTS';
}

/** The built-in chains of each table: `iptables -S` lists the policy of every one of them first. */
const TABLE_BUILTINS: Readonly<Record<string, readonly string[]>> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * A listing with the policies of some of a table's built-in chains but not all: cut among them
 * (a cut there, between two lines, shows nowhere else), or one chain listed (`iptables -S PREROUTING`).
 */
function listsSomePolicies(dump: IptablesDump): boolean {
  for (const [table, listed] of dump.policiesListed) {
    const builtins = TABLE_BUILTINS[table];
    if (builtins && builtins.some((c) => !listed.has(c))) return true;
  }
  return false;
}

/** Why a listing cut short, or with lines left out by hand, holds only part of its rules; null when it is neither. */
export function cutReason(dump: { cutShort: boolean; linesLeftOut: boolean }): string | null {
  if (dump.cutShort) return 'is cut short (read as far as it goes, --allow-truncated): what it does not hold is not compared';
  if (dump.linesLeftOut) return 'has lines left out by whoever made it (a `...` line): what it does not hold is not compared';
  return null;
}

/** Why the input holds only part of its tables, and what is therefore not compared; null when nothing says so. */
export function partialReason(dump: IptablesDump, unread?: ReadonlySet<string>): string | null {
  const cut = cutReason(dump);
  if (cut) return cut;
  if (dump.format === 'rule lines') return 'holds rule lines without their table (a pasted fragment): what it does not hold is not compared';
  if (listsSomePolicies(dump)) return "lists the policies of only some of its table's built-in chains (`iptables -S` lists them all first): cut, or a chain listed alone; what it does not hold is not compared";
  if (holdsKubeChainsWithoutDispatch(dump)) return 'has no KUBE-SERVICES chain: a partial dump; entry points, and what it does not hold, are not compared';
  if (holdsPartOfDispatch(dump)) return 'holds part of KUBE-SERVICES (it does not end with the jump to KUBE-NODEPORTS, as kube-proxy ends it): services it does not show are not compared';
  const dangling = danglingKubeJumps(dump, unread);
  if (dangling.length === 0) return null;
  const names = dangling.slice(0, 3).map(sanitizeLine).join(', ');
  return `rules jump to ${dangling.length === 1 ? 'a chain' : `${dangling.length} chains`} it does not hold (${names}${dangling.length > 3 ? ', …' : ''}): a fragment or a partial restore payload; what it does not hold is not compared`;
}

/** Whether the input shows only some of the node's service ports: a port absent from it may exist. */
export function showsSomePorts(dump: IptablesDump): boolean {
  return cutReason(dump) !== null || dump.format === 'rule lines' || listsSomePolicies(dump) || holdsPartOfDispatch(dump);
}
