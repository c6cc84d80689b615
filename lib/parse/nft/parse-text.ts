/**
 * `nft list ruleset` / `nft list table …` text (with or without `-a` handles) → tables, chains,
 * rules, sets and maps. One pass over the lines; a block whose `}` never comes is a cut listing:
 * refused, or with allowTruncated read as far as it goes with the unfinished object left out.
 */
import { InputError } from '../../errors';
import { sanitizeLine } from '../../sanitize';
import { CUT_MARKER, CUT_MARKER_WARNING } from '../iptables/parse-dump';
import { excerpt, LineReader } from '../line-reader';
import { canonicalFlags, newSet, newTable, NftChain, rulesetView, type NftDump, type NftSet, type NftTable } from './dump';
import { parseElementTokens, parseRuleTokens, tokenText } from './parse-rule';
import { ruleLineKey, type NftReadCache } from './read-cache';
import { NftElement, NftRule, setViewName } from './rule';
import { NftSyntaxError, tokenizeLine, type Token } from './tokenize';
import { parseDuration } from './values';

export interface ReadOptions {
  source: string;
  /** Read a listing whose blocks are not all closed as far as it goes, instead of refusing it. */
  allowTruncated?: boolean;
  /** Where the rules read from lines are kept, for the listing read alike this one. */
  learn?: NftReadCache;
  /** What reading the other listing of a diff kept: a rule line written as one read there is not parsed again. */
  alike?: NftReadCache;
}

type Block =
  | { kind: 'table'; table: NftTable; line: number }
  | { kind: 'chain'; table: NftTable; chain: NftChain; line: number }
  | { kind: 'set'; table: NftTable; set: NftSet; line: number }
  | { kind: 'elements'; table: NftTable; set: NftSet; tokens: Token[]; depth: number; line: number }
  /** An object natdiff does not model (flowtable, counter, quota, ct helper…): skipped to its `}`. */
  | { kind: 'skip'; depth: number; line: number };

/** Standard priority names (ip, ip6, inet, netdev; bridge differs). */
const PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIORITIES: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

class TextReader extends LineReader {
  readonly tables: NftTable[] = [];
  readonly stack: Block[] = [];
  hadHandles = false;
  hadCounters = false;
  cutShort = false;
  linesLeftOut = false;
  items = 0;

  constructor(override readonly options: ReadOptions) {
    super(options);
  }

  get top(): Block | undefined {
    return this.stack[this.stack.length - 1];
  }
}

function words(tokens: Token[]): string[] {
  return tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text));
}

/** `NAME {` at the end of a line: the name (quoted or not). */
function openingName(tokens: Token[], keyword: string): string | null {
  if (tokens.length !== 3 || tokens[0]?.quoted || tokens[0]?.text !== keyword || tokens[2]?.text !== '{' || tokens[2]?.quoted) return null;
  return (tokens[1] as Token).text;
}

function evalPriority(tokens: string[], family: string): number | null {
  const names = family === 'bridge' ? BRIDGE_PRIORITIES : PRIORITIES;
  const [first, sign, offset] = tokens;
  if (first === undefined) return null;
  const base = /^-?\d+$/.test(first) ? Number(first) : names[first];
  if (base === undefined) return null;
  if (sign === undefined) return base;
  if ((sign !== '+' && sign !== '-') || offset === undefined || !/^\d+$/.test(offset)) return null;
  return sign === '+' ? base + Number(offset) : base - Number(offset);
}

/** `type filter hook input priority filter; policy accept;` */
function baseChainLine(r: TextReader, chain: NftChain, family: string, tokens: Token[], text: string): void {
  const groups: string[][] = [[]];
  for (const t of tokens) {
    if (t.text === ';' && !t.quoted) groups.push([]);
    else (groups[groups.length - 1] as string[]).push(t.text);
  }
  for (const g of groups) {
    if (g[0] === 'type' && g[2] === 'hook' && g[1] !== undefined && g[3] !== undefined) {
      let i = 4;
      let device: string | null = null;
      if (g[i] === 'device' && g[i + 1] !== undefined) {
        device = g[i + 1] as string;
        i += 2;
      }
      const priority = g[i] === 'priority' ? evalPriority(g.slice(i + 1), family) : null;
      if (priority === null) return r.bad('a base chain without a priority nft prints', text);
      chain.base = { type: g[1], hook: g[3], priority, device };
    } else if (g[0] === 'policy' && g[1] !== undefined) {
      chain.policy = g[1];
    }
  }
}

function openTable(r: TextReader, tokens: Token[], text: string): void {
  const [kw, family, name, brace] = tokens;
  if (tokens.length !== 4 || kw?.text !== 'table' || !family || !name || brace?.text !== '{') {
    return r.bad('not a line of `nft list` output (a table starts with `table FAMILY NAME {`)', text);
  }
  const existing = r.tables.find((t) => t.family === family.text && t.name === name.text);
  if (existing) {
    throw new InputError(`table ${sanitizeLine(family.text)} ${sanitizeLine(name.text)} appears a second time (first on line ${existing.line}): several listings in one file? Compare them one by one`, r.options.source, r.line);
  }
  const table = newTable(family.text, name.text, r.line);
  r.tables.push(table);
  r.stack.push({ kind: 'table', table, line: r.line });
  r.items++;
}

function skipBlock(r: TextReader, tokens: Token[]): void {
  const depth = braceDepth(tokens);
  if (depth > 0) r.stack.push({ kind: 'skip', depth, line: r.line });
}

function braceDepth(tokens: Token[]): number {
  let depth = 0;
  for (const t of tokens) {
    if (t.quoted) continue;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
  }
  return depth;
}

function tableLine(r: TextReader, table: NftTable, tokens: Token[], text: string): void {
  const first = tokens[0] as Token;
  if (first.text === '}' && tokens.length === 1) {
    r.stack.pop();
    return;
  }
  if (first.text === 'comment' && tokens.length === 2 && tokens[1]?.quoted) {
    table.comment = (tokens[1] as Token).text;
    return;
  }
  if (first.text === 'flags') return;
  const chainName = openingName(tokens, 'chain');
  if (chainName !== null) {
    if (table.chains.has(chainName)) throw new InputError(`chain ${sanitizeLine(chainName)} appears a second time in table ${sanitizeLine(table.name)}: several listings in one file?`, r.options.source, r.line);
    const chain = new NftChain(chainName, r.line);
    table.chains.set(chainName, chain);
    r.stack.push({ kind: 'chain', table, chain, line: r.line });
    r.items++;
    return;
  }
  for (const kind of ['set', 'map'] as const) {
    const name = openingName(tokens, kind);
    if (name === null) continue;
    if (table.sets.has(name)) throw new InputError(`${kind} ${sanitizeLine(name)} appears a second time in table ${sanitizeLine(table.name)}: several listings in one file?`, r.options.source, r.line);
    const set = newSet(name, kind, r.line);
    table.sets.set(name, set);
    r.stack.push({ kind: 'set', table, set, line: r.line });
    r.items++;
    return;
  }
  if (braceDepth(tokens) > 0 && !first.quoted) return skipBlock(r, tokens);
  r.bad('not a table, chain, set or map line', text);
}

/** Counter values and handles are state, not what the rule says. */
function rawRule(text: string): string {
  return text.trim().replace(/\s*#\s*handle\s+\d+\s*$/, '').replace(/\bcounter packets \d+ bytes \d+/g, 'counter');
}

function chainLine(r: TextReader, table: NftTable, chain: NftChain, tokens: Token[], text: string): void {
  const first = tokens[0] as Token;
  if (!first.quoted && first.text === '}' && tokens.length === 1) {
    r.stack.pop();
    return;
  }
  if (!first.quoted && first.text === 'type' && tokens[2]?.text === 'hook') return baseChainLine(r, chain, table.family, tokens, text);
  if (!first.quoted && first.text === 'comment' && tokens.length === 2 && tokens[1]?.quoted) {
    chain.comment = (tokens[1] as Token).text;
    return;
  }
  if (!first.quoted && (first.text === 'policy' || first.text === 'devices')) return;
  if (braceDepth(tokens) !== 0) return r.bad('a rule with unbalanced braces', text);
  let statements;
  let comment: string | null = null;
  let read = true;
  try {
    ({ statements, comment } = parseRuleTokens(tokens));
  } catch (e) {
    if (!(e instanceof NftSyntaxError)) throw e;
    r.warn(`a rule natdiff cannot read (${e.message}); kept as written: ${sanitizeLine(rawRule(text))}`);
    statements = [{ kind: 'opaque' as const, text: words(tokens).join(' ') }];
    read = false;
  }
  const rule = new NftRule(chain.name, statements, comment, r.line, rawRule(text), table.scope);
  addRule(r, chain, rule, text);
  const key = read && r.options.learn ? ruleLineKey(text) : null;
  if (key) r.options.learn?.rules.set(key.key, rule);
}

function addRule(r: TextReader, chain: NftChain, rule: NftRule, text: string): void {
  if (/\bcounter packets [1-9]/.test(text)) r.hadCounters = true;
  chain.rules.push(rule);
  r.items++;
}

/** A line of a chain written as a rule line the alike reading read: that rule's statements, here. */
function readAlike(r: TextReader, block: Extract<Block, { kind: 'chain' }>, alike: NftReadCache, text: string): boolean {
  const key = ruleLineKey(text);
  const same = key && alike.rules.get(key.key);
  if (!same) return false;
  if (key.handle) r.hadHandles = true;
  addRule(r, block.chain, new NftRule(block.chain.name, same.statements, same.comment, r.line, same.raw, block.table.scope), text);
  return true;
}

function setLine(r: TextReader, table: NftTable, set: NftSet, tokens: Token[], text: string): void {
  const first = tokens[0] as Token;
  const rest = words(tokens.slice(1));
  switch (first.quoted ? '' : first.text) {
    case '}':
      if (tokens.length === 1) {
        r.stack.pop();
        return;
      }
      break;
    case 'type':
    case 'typeof': {
      const colon = rest.indexOf(':');
      const key = colon < 0 ? rest : rest.slice(0, colon);
      set.keyTypes = first.text === 'typeof' ? [`typeof ${key.join(' ')}`] : key.filter((w) => w !== '.');
      set.dataType = colon < 0 ? null : rest.slice(colon + 1).join(' ');
      return;
    }
    case 'flags':
      set.flags = canonicalFlags(rest.join('').split(','));
      return;
    case 'timeout':
      set.timeout = parseDuration(rest[0] ?? '');
      return;
    case 'size':
      set.size = /^\d+$/.test(rest[0] ?? '') ? Number(rest[0]) : null;
      return;
    case 'comment':
      set.comment = tokens[1]?.text ?? null;
      return;
    case 'elements':
      if (tokens[1]?.text === '=' && tokens[2]?.text === '{') {
        const block: Block = { kind: 'elements', table, set, tokens: [], depth: 0, line: r.line };
        r.stack.push(block);
        return elementsLine(r, block, tokens.slice(2), text);
      }
      break;
    case 'gc-interval':
    case 'policy':
    case 'auto-merge':
    case 'counter':
      return;
  }
  r.bad(`not a line of ${set.kind} ${sanitizeLine(set.name)}`, text);
}

/** Gathers the tokens of `elements = { … }` across lines, and reads them once the `}` comes. */
function elementsLine(r: TextReader, block: Extract<Block, { kind: 'elements' }>, tokens: Token[], text: string): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    block.tokens.push(t);
    if (t.quoted) continue;
    if (t.text === '{') block.depth++;
    else if (t.text === '}' && --block.depth === 0) {
      r.stack.pop();
      if (i < tokens.length - 1) r.bad('text after the elements', text);
      return readElements(r, block);
    }
  }
}

function readElements(r: TextReader, block: Extract<Block, { kind: 'elements' }>): void {
  const { set, table } = block;
  let parsed;
  try {
    parsed = parseElementTokens(block.tokens);
  } catch (e) {
    if (!(e instanceof NftSyntaxError)) throw e;
    r.bad(`the elements of ${set.kind} ${sanitizeLine(set.name)} cannot be read (${e.message})`, block.tokens.map(tokenText).join(' '));
    return;
  }
  const view = setViewName(set.kind, set.name);
  for (const { element, tokens } of parsed) {
    const line = tokens[0]?.line ?? block.line;
    set.elements.push(new NftElement(view, element, set.keyTypes, line, tokens.map(tokenText).join(' '), table.scope));
  }
  r.items++;
}

function parseLine(r: TextReader, text: string): void {
  const trimmed = text.trim();
  if (trimmed === '') return;
  if (CUT_MARKER.test(trimmed)) {
    r.linesLeftOut = true;
    r.warn(CUT_MARKER_WARNING);
    return;
  }
  const block = r.top;
  if (block?.kind === 'chain' && r.options.alike && readAlike(r, block, r.options.alike, text)) return;
  let tokenized;
  try {
    tokenized = tokenizeLine(text, r.line);
  } catch (e) {
    if (!(e instanceof NftSyntaxError)) throw e;
    return r.bad(e.message, text);
  }
  const { tokens, handle } = tokenized;
  if (handle) r.hadHandles = true;
  if (tokens.length === 0) return;
  if (!block) return openTable(r, tokens, text);
  switch (block.kind) {
    case 'table':
      return tableLine(r, block.table, tokens, text);
    case 'chain':
      return chainLine(r, block.table, block.chain, tokens, text);
    case 'set':
      return setLine(r, block.table, block.set, tokens, text);
    case 'elements':
      return elementsLine(r, block, tokens, text);
    case 'skip':
      block.depth += braceDepth(tokens);
      if (block.depth <= 0) r.stack.pop();
      return;
  }
}

function describeBlock(b: Block): string {
  switch (b.kind) {
    case 'table':
      return `table ${sanitizeLine(b.table.family)} ${sanitizeLine(b.table.name)}`;
    case 'chain':
      return `chain ${sanitizeLine(b.chain.name)}`;
    case 'set':
    case 'elements':
      return `${b.set.kind} ${sanitizeLine(b.set.name)}`;
    case 'skip':
      return 'a block';
  }
}

/** Blocks left open at the end: a cut listing. The object it ends in is unfinished, so it is left out. */
function unclosed(r: TextReader): void {
  const innermost = r.stack[r.stack.length - 1] as Block;
  const message = `${describeBlock(innermost)} (opened on line ${innermost.line}) is not closed: the listing looks cut`;
  if (!r.options.allowTruncated) throw new InputError(`${message}; pass --allow-truncated to diff what is there`, r.options.source, innermost.line);
  r.cutShort = true;
  r.warn(message, innermost.line);
  for (const b of r.stack) {
    if (b.kind === 'chain') b.table.chains.delete(b.chain.name);
    else if (b.kind === 'set' || b.kind === 'elements') b.table.sets.delete(b.set.name);
  }
}

export function parseNftText(text: string, options: ReadOptions): NftDump {
  const r = new TextReader(options);
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    r.line++;
    parseLine(r, text.slice(pos, end));
    pos = end + 1;
  }
  if (r.stack.length > 0) unclosed(r);
  if (r.tables.length === 0) {
    if (r.firstBad) throw new InputError(`${r.firstBad.reason}; no nft table found`, options.source, r.firstBad.line);
    throw new InputError('no nft table found (expected the output of `nft list ruleset` or `nft list table`)', options.source);
  }
  r.refuseIfMostlyBad(r.items, '`nft list` output');
  return {
    format: 'nft list',
    tables: r.tables,
    ruleset: rulesetView(r.tables),
    cutShort: r.cutShort,
    linesLeftOut: r.linesLeftOut,
    hadHandles: r.hadHandles,
    hadCounters: r.hadCounters,
    version: null,
    warnings: r.warnings,
  };
}
