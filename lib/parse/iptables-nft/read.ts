/**
 * `nft list ruleset` / `nft list table ip nat` (with or without `-a`) and `nft -j` of the tables
 * iptables-nft manages → an IptablesDump, as if iptables-save had printed the same rules. The nft
 * syntax is read by lib/parse/nft; each rule is translated to its iptables specification
 * (translate.ts) and the whole is read by the iptables dump parser, with every line numbered as
 * in the listing. So the service model, the rule keys and the diff are the iptables ones.
 */
import { InputError, type Warning } from '../../errors';
import { parseIptablesDump, type IptablesDump } from '../iptables/parse-dump';
import { excerpt } from '../line-reader';
import { IptablesRule } from '../iptables/rule';
import type { NftDump, NftTable } from '../nft/dump';
import { readNft } from '../nft/read';
import { chooseTables, isKubeProxyNftTable } from './tables';
import { translateRule } from './translate';
import { extensionFlag, hiddenOptionsWarning, NO_COMMENTS_WARNING, type XtExtension } from './xt';


export interface IptablesNftReadOptions {
  source: string;
  /** Read a listing whose blocks are not all closed as far as it goes, instead of refusing it. */
  allowTruncated?: boolean;
}

export interface IptablesNftDump extends IptablesDump {
  /** Per rule (by its iptables line), the extensions the listing shows by name only: what the model cannot read there. */
  hidden: ReadonlyMap<string, readonly XtExtension[]>;
}

/** A chain name iptables can hold: the whole name stays one word of the rule line. */
const CHAIN_NAME = /^[^\s"'\\]+$/;

interface Generated {
  lines: string[];
  lineNumbers: number[];
  hidden: Map<string, XtExtension[]>;
  /** Per kind, the first line it was seen on. */
  hiddenKinds: Map<string, { extension: XtExtension; line: number }>;
  untranslated: Map<string, number>;
  comments: number;
  rules: number;
  warnings: Warning[];
}

function policyOf(chain: { base: unknown; policy: string | null }): string {
  return chain.base ? (chain.policy ?? 'accept').toUpperCase() : '-';
}

/** The listing as iptables-save would print it: `*table`, chain declarations, `-A` lines, `COMMIT`. */
function generate(tables: NftTable[], source: string): Generated {
  const g: Generated = { lines: [], lineNumbers: [], hidden: new Map(), hiddenKinds: new Map(), untranslated: new Map(), comments: 0, rules: 0, warnings: [] };
  const emit = (text: string, line: number): void => {
    g.lines.push(text);
    g.lineNumbers.push(line);
  };
  for (const table of tables) {
    emit(`*${table.name}`, table.line);
    const chains = [...table.chains.values()].filter((c) => {
      if (CHAIN_NAME.test(c.name)) return true;
      g.warnings.push({ source, line: c.line, message: `chain ${excerpt(JSON.stringify(c.name))} has a name iptables cannot hold: left out` });
      return false;
    });
    for (const c of chains) emit(`:${c.name} ${policyOf(c)} [0:0]`, c.line);
    for (const c of chains) {
      for (const rule of c.rules) {
        const t = translateRule(rule.statements, rule.comment, table.family);
        const line = `-A ${c.name}${t.spec === '' ? '' : ` ${t.spec}`}`;
        emit(line, rule.line);
        g.rules++;
        if (rule.comment !== null) g.comments++;
        if (t.hidden.length > 0) g.hidden.set(line, t.hidden);
        for (const x of t.hidden) {
          const kind = extensionFlag(x);
          if (!g.hiddenKinds.has(kind)) g.hiddenKinds.set(kind, { extension: x, line: rule.line });
        }
        for (const text of t.untranslated) if (!g.untranslated.has(text)) g.untranslated.set(text, rule.line);
      }
    }
    emit('COMMIT', table.line);
  }
  return g;
}

const PORT_BY_NAME = /^(?:tcp|udp|sctp) [sd]port (?:!= )?"?[a-z]/;

/** What the listing cannot show, once per kind, and what it holds that has no iptables form. */
function listingWarnings(g: Generated, source: string): Warning[] {
  const out: Warning[] = [];
  const commentsHidden = g.hiddenKinds.has('-m comment') || (g.comments === 0 && g.rules > 0);
  if (commentsHidden) out.push({ source, line: g.hiddenKinds.get('-m comment')?.line ?? null, message: NO_COMMENTS_WARNING });
  for (const [kind, { extension, line }] of g.hiddenKinds) if (kind !== '-m comment') out.push({ source, line, message: hiddenOptionsWarning(extension) });
  for (const [text, line] of g.untranslated) {
    const hint = PORT_BY_NAME.test(text) ? ' (a port printed by its service name: list without nft -S)' : '';
    out.push({ source, line, message: `nft statement with no iptables form, kept as nft text${hint}: ${excerpt(text)}` });
  }
  return out;
}

const SEP_CHAIN = /^KUBE-SEP-/;

/**
 * A `-m recent` whose options the listing hides, on a jump to an endpoint chain, is kube-proxy's
 * session-affinity check (`--rcheck --name KUBE-SEP-…`): read as one, so that the endpoint list is
 * the ladder after it, not that jump taken as unconditional.
 */
function affinityFacts(dump: IptablesDump, hidden: ReadonlyMap<string, readonly XtExtension[]>): void {
  for (const table of dump.ruleset.tables.values()) {
    for (const chain of table.chains.values()) {
      chain.rules = chain.rules.map((r) => {
        const target = r.facts.target;
        if (target === null || !SEP_CHAIN.test(target) || !hidden.get(r.raw)?.some((x) => x.type === 'match' && x.name === 'recent')) return r;
        return new IptablesRule(r.chain, r.raw, 2, r.line, { ...r.facts, recent: { name: target, mode: 'rcheck', seconds: null, unusual: false } }, r.matchTexts);
      });
    }
  }
}

function noTables(nft: NftDump, source: string): InputError {
  if (nft.tables.some(isKubeProxyNftTable)) {
    return new InputError("holds kube-proxy's nftables-mode table, not iptables-nft tables: natdiff's nftables reader reads it", source);
  }
  const seen = nft.tables.map((t) => `${t.family} ${t.name}`).join(', ');
  return new InputError(`holds no iptables-nft table (ip or ip6 nat, filter, mangle, raw, security); it has: ${excerpt(seen)}`, source);
}

export function readIptablesNft(text: string, options: IptablesNftReadOptions): IptablesNftDump {
  const { source } = options;
  const nft = readNft(text, { source, allowTruncated: options.allowTruncated });
  const choice = chooseTables(nft.tables);
  if (!choice) throw noTables(nft, source);
  const g = generate(choice.tables, source);
  const dump = parseIptablesDump(g.lines.join('\n'), { source, lineNumbers: g.lineNumbers, allowEmpty: true });
  affinityFacts(dump, g.hidden);
  return {
    ...dump,
    format: nft.format === 'nft -j' ? 'nft -j (iptables-nft)' : 'nft list (iptables-nft)',
    family: choice.family,
    header: { generator: 'nft', version: nft.version, backend: 'nf_tables', legacyTablesPresent: false },
    hadCounters: nft.hadCounters,
    cutShort: nft.cutShort,
    linesLeftOut: nft.linesLeftOut,
    warnings: [...nft.warnings, ...choice.leftOut.map((message) => ({ source, line: null, message })), ...g.warnings, ...listingWarnings(g, source), ...dump.warnings],
    hidden: g.hidden,
  };
}
