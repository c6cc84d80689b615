/**
 * Whether an iptables input holds whole tables or only part of them. A part — rule lines pasted
 * without their table, one chain listed with `iptables -S CHAIN`, a partial restore payload, a
 * dump that lost KUBE-SERVICES — cannot show what it lacks: a chain absent from it is unknown,
 * not removed. (A table the kernel holds never jumps to a chain it does not have.)
 */
import { sanitizeLine } from '../../sanitize';
import type { IptablesDump } from './parse-dump';

/** Jumps to kube-proxy chains the input does not hold, per table: the first few names. */
function danglingKubeJumps(dump: IptablesDump): string[] {
  const missing = new Set<string>();
  for (const table of dump.ruleset.tables.values()) {
    for (const chain of table.chains.values()) {
      for (const rule of chain.rules) {
        const target = rule.facts.target;
        if (target !== null && target.startsWith('KUBE-') && !table.chains.has(target)) missing.add(target);
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

/** Why a listing cut short, or with lines left out by hand, holds only part of its rules; null when it is neither. */
export function cutReason(dump: { cutShort: boolean; linesLeftOut: boolean }): string | null {
  if (dump.cutShort) return 'is cut short (read as far as it goes, --allow-truncated): what it does not hold is not compared';
  if (dump.linesLeftOut) return 'has lines left out by whoever made it (a `...` line): what it does not hold is not compared';
  return null;
}

/** Why the input holds only part of its tables, and what is therefore not compared; null when nothing says so. */
export function partialReason(dump: IptablesDump): string | null {
  const cut = cutReason(dump);
  if (cut) return cut;
  if (dump.format === 'rule lines') return 'holds rule lines without their table (a pasted fragment): what it does not hold is not compared';
  if (holdsKubeChainsWithoutDispatch(dump)) return 'has no KUBE-SERVICES chain: a partial dump; entry points, and what it does not hold, are not compared';
  const dangling = danglingKubeJumps(dump);
  if (dangling.length === 0) return null;
  const names = dangling.slice(0, 3).map(sanitizeLine).join(', ');
  return `rules jump to ${dangling.length === 1 ? 'a chain' : `${dangling.length} chains`} it does not hold (${names}${dangling.length > 3 ? ', …' : ''}): a fragment or a partial restore payload; what it does not hold is not compared`;
}
