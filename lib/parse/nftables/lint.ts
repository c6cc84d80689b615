/**
 * What an nft listing's rules show is wrong (Snapshot.lint): a jump, goto or verdict-map entry to
 * a chain the table does not hold, a set or map a rule names that the table does not hold (nft
 * refuses both), and kube-proxy chains nothing names. Names that are not kube-proxy's hash, and
 * chains the hooks no longer reach, are the service view's findings (services.ts).
 */
import { lintFinding, type LintFinding } from '../../model/lint';
import { sanitizeLine } from '../../sanitize';
import { cutReason } from '../iptables/completeness';
import { collectElement, collectStatement, type Names } from '../nft/ast';
import type { NftDump, NftTable } from '../nft/dump';
import { isKubeProxyTable } from './services';

function names(): Names {
  return { chains: [], sets: [] };
}

const UNLOADABLE = 'nft refuses such a ruleset, so no kernel holds it: the dump was edited or spliced (take a new one: natdiff snap)';

/** What a rule (`element`: an element of the set or map `where`) names that the table does not hold. */
function missingTargets(table: NftTable, where: string, line: number, found: Names, element: boolean): LintFinding[] {
  const missing = [
    ...[...new Set(found.chains)].filter((c) => !table.chains.has(c)).map((c) => `sends traffic to chain ${sanitizeLine(c)}`),
    ...[...new Set(found.sets)].filter((s) => !table.sets.has(s)).map((s) => `looks up @${sanitizeLine(s)}`),
  ];
  return missing.map((does) => {
    const detail = `${element ? 'an element ' : ''}${does}, which table ${table.family} ${sanitizeLine(table.name)} does not hold`;
    return lintFinding('dangling-jump', where, line, { sentence: `${sanitizeLine(where)}: ${detail}`, detail, explanation: UNLOADABLE });
  });
}

const NFT_LEFT_OVER = "kube-proxy flushes a chain it no longer uses and deletes it at a later sync, so one that stays is left over; if it stays across snapshots, check kube-proxy's log";

function lintTable(table: NftTable): LintFinding[] {
  const found: LintFinding[] = [];
  const named = new Set<string>();
  for (const chain of table.chains.values()) {
    for (const rule of chain.rules) {
      const n = names();
      for (const s of rule.statements) collectStatement(s, n);
      n.chains.forEach((c) => c !== chain.name && named.add(c));
      found.push(...missingTargets(table, chain.name, rule.line, n, false));
    }
  }
  for (const set of table.sets.values()) {
    for (const element of set.elements) {
      const n = names();
      collectElement(element.element, n);
      n.chains.forEach((c) => named.add(c));
      found.push(...missingTargets(table, `${set.kind} ${set.name}`, element.line, n, true));
    }
  }
  if (!isKubeProxyTable(table)) return found;
  for (const chain of table.chains.values()) {
    if (chain.base !== null || named.has(chain.name)) continue;
    found.push(lintFinding('orphan-chain', chain.name, chain.line, { sentence: `${sanitizeLine(chain.name)} is named by no rule and no map element`, detail: 'named by no rule and no map element', explanation: NFT_LEFT_OVER }));
  }
  return found;
}

export function lintNftables(dump: NftDump): LintFinding[] {
  // A listing cut short lacks what the cut hid: what it names there is unknown, not missing.
  if (cutReason(dump) !== null) return [];
  return dump.tables.flatMap(lintTable);
}
