/**
 * Reads `iptables [-t TABLE] -L -n [-v] [-x] [--line-numbers] [CHAIN]` into the rule layer the
 * iptables reader builds: each listed rule becomes the rule specification it stands for, parsed
 * by the iptables rule parser, so a listing and an iptables-save of the same rules compare equal
 * wherever the listing shows the rule.
 *
 * A listing has no end marker. What shows it was cut: no newline after its last line; at the
 * very end, a block that ends after its `Chain` line, an empty kube-proxy chain rules jump to, or
 * a kube-proxy chain that stops before the rule kube-proxy ends it with; rule numbers that skip (--line-numbers); and, in a listing of the whole table (which lists
 * every chain, built-in chains first, in a fixed order), a built-in chain it never reaches, a
 * chain with more references than rules jumping to it, or a jump to a kube-proxy chain it does
 * not show. A cut listing is refused, or read as far as it goes with the chain where it was cut
 * left out (unknown rather than emptied). A listing of one chain other than kube-proxy's, cut
 * between two lines, shows nothing of it: it reads as that chain with fewer rules.
 */
import { IptablesReadCache } from '../iptables/read-cache';
import { InputError } from '../../errors';
import type { Chain as AnyChain } from '../../model/ruleset';
import { BUILTIN_CHAINS } from '../iptables/builtin-chains';
import { sanitizeLine } from '../../sanitize';
import type { Family } from '../iptables/address';
import { CUT_MARKER, CUT_MARKER_WARNING, MAX_LINE_LENGTH, neverEmpty, type IptablesDump } from '../iptables/parse-dump';
import { excerpt, LineReader } from '../line-reader';
import { parseRule, RuleSyntaxError, type IptablesRule } from '../iptables/rule';
import { tokenize } from '../iptables/tokenize';
import { missingEnd } from '../iptables/kube-chain-ends';
import { chainLine, ruleColumns, titleLine, type ChainLine, type Columns } from './layout';
import { Losses } from './losses';
import { LineError, listedRule, NamesError, type Loss } from './rule-spec';
import { specValue } from './spec';

export interface ReadOptions {
  source: string;
  /** The table the listing shows (a listing never names it); default: told by its built-in chains, else nat. */
  assumeTable?: string;
  /** Read a cut listing as far as it goes, instead of refusing it. */
  allowTruncated?: boolean;
}

type Chain = AnyChain<IptablesRule>;

/** One chain's block: its `Chain` line, the column titles, its rules. */
interface Block {
  chain: Chain;
  references: number | null;
  columns: Columns | null;
  /** The rule number of the last rule read (--line-numbers). */
  lastNumber: number;
}

/** The built-in chains of each table, in the order `iptables -L` lists them. */
const TABLE_BUILTINS: ReadonlyMap<string, readonly string[]> = new Map([
  ['nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']],
  ['filter', ['INPUT', 'FORWARD', 'OUTPUT']],
  ['mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']],
  ['raw', ['PREROUTING', 'OUTPUT']],
]);

const WITHOUT_N = '`iptables -L` without `-n` prints names (`anywhere`, host and service names) that cannot be compared with addresses: list with `iptables -t nat -L -n`';

class Reader extends LineReader {
  readonly losses = new Losses();
  readonly blocks: Block[] = [];
  readonly chains = new Map<string, Chain>();
  /** The block rule lines go to; none after a blank line, which ends a block. */
  current: Block | null = null;
  /** Column titles seen outside any block (a pasted fragment's). */
  looseColumns: Columns | null = null;
  lastContentLine = 0;
  family: Family = 'ipv4';
  hadCounters = false;
  cutShort = false;
  linesLeftOut = false;
  /** Chains the listing shows only part of: left out. */
  readonly unknown = new Set<Chain>();
  firstHeadless = 0;
  rules = 0;
  readonly cache = new IptablesReadCache();

  constructor(override readonly options: ReadOptions) {
    super(options);
  }

  /** Rules are missing: refused, or (--allow-truncated) `chain` is left out as unknown. */
  cut(message: string, line: number, chain: Chain | null): void {
    if (!this.options.allowTruncated) throw new InputError(`${message}; pass --allow-truncated to diff what is there`, this.options.source, line);
    this.cutShort = true;
    if (chain) this.unknown.add(chain);
    this.warn(chain ? `${message}; chain ${sanitizeLine(chain.name)} is left out (its rules are unknown)` : message, line);
  }
}

function nonZero(counter: string): boolean {
  return !/^0+[KMGT]?$/.test(counter);
}

function openBlock(r: Reader, header: ChainLine): void {
  const first = r.chains.get(header.name);
  if (first) {
    throw new InputError(`chain ${sanitizeLine(header.name)} is listed a second time (first on line ${first.line}): several listings in one file? Compare them one by one`, r.options.source, r.line);
  }
  if (header.counters?.some(nonZero)) r.hadCounters = true;
  const chain: Chain = { name: header.name, policy: header.policy, rules: [], line: r.line, builtin: BUILTIN_CHAINS.has(header.name) };
  r.chains.set(chain.name, chain);
  r.current = { chain, references: header.references, columns: null, lastNumber: 0 };
  r.blocks.push(r.current);
}

function columnTitles(r: Reader, columns: Columns, line: string): void {
  const block = r.current;
  if (!block) r.looseColumns = columns;
  else if (block.columns === null && block.chain.rules.length === 0) block.columns = columns;
  else r.bad('column titles inside a chain\'s rules', line);
}

function addRule(r: Reader, block: Block, line: string): void {
  const columns = ruleColumns(line, block.columns);
  if (!columns) return r.bad('not a line of an `iptables -L` listing', line);
  if (columns.lineNumber !== null) {
    if (columns.lineNumber !== block.lastNumber + 1) {
      r.cut(`chain ${sanitizeLine(block.chain.name)} lists rule ${columns.lineNumber} after rule ${block.lastNumber} (--line-numbers): rules are missing from the listing`, r.line, block.chain);
    }
    block.lastNumber = columns.lineNumber;
  }
  const losses: [Loss, string][] = [];
  let rule: IptablesRule;
  try {
    const listed = listedRule(columns, (loss, detail) => losses.push([loss, detail]));
    const head = `-A ${specValue(block.chain.name)}`;
    const raw = listed.spec === '' ? head : `${head} ${listed.spec}`;
    rule = parseRule(block.chain.name, tokenize(raw), 2, r.line, raw, { warn: (m) => r.warn(m), matchTexts: r.cache.matchTexts });
    if (listed.family === 'ipv6') r.family = 'ipv6';
  } catch (e) {
    if (e instanceof NamesError) throw new InputError(WITHOUT_N, r.options.source, r.line);
    if (e instanceof LineError) return r.bad(e.message, line);
    if (e instanceof RuleSyntaxError) return r.bad(`rule does not read back into iptables options (${e.message})`, line);
    throw e;
  }
  for (const [loss, detail] of losses) r.losses.note(loss, r.line, detail);
  if (!columns.interfaces) r.losses.note('interfaces', r.line);
  if (columns.counters?.some(nonZero)) r.hadCounters = true;
  block.chain.rules.push(rule);
  r.rules++;
}

function readLine(r: Reader, raw: string): void {
  const line = raw.trim();
  if (line === '') {
    r.current = null;
    return;
  }
  r.lastContentLine = r.line;
  const header = chainLine(line);
  if (header) return openBlock(r, header);
  const columns = titleLine(line);
  if (columns) return columnTitles(r, columns, line);
  if (CUT_MARKER.test(line)) {
    r.linesLeftOut = true;
    return r.warn(CUT_MARKER_WARNING);
  }
  if (r.current) return addRule(r, r.current, line);
  if (!ruleColumns(line, r.looseColumns)) return r.bad('not a line of an `iptables -L` listing', line);
  if (r.firstHeadless === 0) r.firstHeadless = r.line;
  r.losses.note('headless', r.line);
}

/** Every tool ends its last line with a newline: a listing whose last line has none was cut inside it. */
function endsMidLine(r: Reader, last: string): void {
  const cutChain = chainLine(last.trim()) ? null : (r.current?.chain ?? null);
  r.cut('the input ends in the middle of this line (no newline after it): the listing looks cut, and the line is left out', r.line, cutChain);
}

function tableOf(r: Reader): string {
  if (r.options.assumeTable) return r.options.assumeTable;
  const builtins = r.blocks.map((b) => b.chain.name).filter((name) => BUILTIN_CHAINS.has(name));
  for (const [table, names] of TABLE_BUILTINS) if (builtins.every((name) => names.includes(name))) return table;
  return 'nat';
}

function jumpCounts(r: Reader): Map<string, number> {
  const counts = new Map<string, number>();
  for (const chain of r.chains.values()) {
    for (const rule of chain.rules) {
      const target = rule.facts.target;
      if (target !== null) counts.set(target, (counts.get(target) ?? 0) + 1);
    }
  }
  return counts;
}

/** What shows, once everything is read, that the listing stops short of its end; null if nothing. */
function cutAtTheEnd(r: Reader, table: string, last: Block): string | null {
  const name = sanitizeLine(last.chain.name);
  if (last.columns === null && last.chain.rules.length === 0) return `the listing ends after chain ${name}'s \`Chain\` line, before its column titles: it looks cut`;
  const jumps = jumpCounts(r);
  if (last.chain.rules.length === 0 && neverEmpty(last.chain.name) && ((last.references ?? 0) > 0 || jumps.has(last.chain.name))) {
    return `the listing ends with chain ${name}, which lists no rule, although kube-proxy never leaves it empty while rules jump to it: it looks cut`;
  }
  const end = missingEnd(last.chain.name, last.chain.rules);
  if (end) return `the listing ends inside chain ${name} before ${end}, the rule kube-proxy ends it with: it looks cut`;
  // Rules missing elsewhere are what the `...` line says.
  if (r.linesLeftOut) return null;
  const builtins = TABLE_BUILTINS.get(table);
  // A listing of one chain (`iptables -L CHAIN`) shows one block; the whole table starts with its first built-in chain.
  if (!builtins || r.blocks.length < 2 || r.blocks[0]?.chain.name !== builtins[0]) return null;
  const missing = builtins.find((b) => !r.chains.has(b));
  if (missing) return `a listing of the whole ${table} table shows its built-in chains ${builtins.join(', ')}, but this one has no ${missing}: it looks cut`;
  for (const b of r.blocks) {
    const seen = jumps.get(b.chain.name) ?? 0;
    if (b.references !== null && seen < b.references) {
      return `chain ${sanitizeLine(b.chain.name)} has ${b.references} references, but the listing shows ${seen} rule${seen === 1 ? '' : 's'} jumping to it: rules are missing, the listing looks cut`;
    }
  }
  const unlisted = [...jumps.keys()].find((target) => target.startsWith('KUBE-') && !r.chains.has(target));
  return unlisted ? `rules jump to ${sanitizeLine(unlisted)}, which the listing does not show: it looks cut` : null;
}

function noBlocks(r: Reader): InputError {
  const { source } = r.options;
  if (r.firstHeadless > 0) {
    return new InputError('holds rule lines of an `iptables -L` listing but no `Chain` line, so the chain they belong to is unknown: list whole chains (`iptables -t nat -L CHAIN -n`), not lines picked out with grep', source, r.firstHeadless);
  }
  if (r.firstBad) return new InputError(`${r.firstBad.reason}; no \`iptables -L\` listing found`, source, r.firstBad.line);
  return new InputError('no `iptables -L` listing found', source);
}

/** kube-proxy's chains with no comment on any rule: the names it writes in comments are not in the listing. */
function namesUnknown(chains: Map<string, Chain>): boolean {
  const kube = [...chains.values()].filter((c) => /^KUBE-(?:SVC|SEP)-/.test(c.name));
  return kube.length > 0 && [...chains.values()].every((c) => c.rules.every((rule) => rule.comment === null));
}

function finish(r: Reader): IptablesDump {
  const last = r.blocks[r.blocks.length - 1];
  if (!last) throw noBlocks(r);
  r.refuseIfMostlyBad(r.rules + r.blocks.length, 'an `iptables -L` listing');
  const table = tableOf(r);
  if (!r.cutShort) {
    const evidence = cutAtTheEnd(r, table, last);
    if (evidence) r.cut(`${evidence} after line ${r.lastContentLine}`, r.lastContentLine, last.chain);
  }
  for (const chain of r.unknown) r.chains.delete(chain.name);
  if (namesUnknown(r.chains)) r.losses.note('comments', null);
  return {
    format: 'iptables -L',
    family: r.family,
    ruleset: { tables: new Map([[table, { name: table, chains: r.chains }]]) },
    header: { generator: null, version: null, backend: null, legacyTablesPresent: false },
    assumedTable: table,
    hadCounters: r.hadCounters,
    cutShort: r.cutShort,
    linesLeftOut: r.linesLeftOut,
    // A listing heads every chain with its policy or references: its own cut checks see to it.
    policiesListed: new Map(),
    warnings: [...r.warnings, ...r.losses.warnings(r.options.source)],
    cache: r.cache,
  };
}

export function readIptablesList(text: string, options: ReadOptions): IptablesDump {
  const r = new Reader(options);
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    r.line++;
    if (end - pos > MAX_LINE_LENGTH) {
      throw new InputError(`line is ${end - pos} characters long (the limit is ${MAX_LINE_LENGTH}); this is not an \`iptables -L\` listing`, options.source, r.line);
    }
    const raw = text.slice(pos, end);
    pos = end + 1;
    if (end === text.length) {
      if (raw.trim() !== '') endsMidLine(r, raw);
      break;
    }
    readLine(r, raw);
  }
  return finish(r);
}
