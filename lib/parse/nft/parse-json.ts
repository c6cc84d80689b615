/**
 * `nft -j list …` → the same tables as the text reader. The document is `{"nftables": [ … ]}`
 * with one object per table, chain, set, map and rule; it is scanned item by item (so a cut
 * document can be read as far as it goes, and every object knows its line), and each item is
 * parsed and checked on its own.
 */
import { InputError, type Warning } from '../../errors';
import { sanitizeLine } from '../../sanitize';
import { canonicalFlags, newSet, newTable, NftChain, rulesetView, type NftDump, type NftSet, type NftTable } from './dump';
import { elementFromJson, isObject, num, single, statementFromJson, str } from './from-json';
import type { ReadOptions } from './parse-text';
import { NftElement, NftRule, setViewName } from './rule';

interface Span {
  start: number;
  end: number;
}

interface Scan {
  items: Span[];
  /** Where the document stops being a complete `{"nftables": [...]}`, when it does. */
  cut: number | null;
}

class JsonShapeError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** The end of the JSON value starting at `i` (not validated: JSON.parse checks each item), or -1 if the text ends first. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return -1;
      if (depth === 0) return i + 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) return i + 1;
      if (depth < 0) throw new JsonShapeError(`unexpected "${c}"`, i);
    } else if (depth === 0 && (c === ',' || c === ' ' || c === '\n' || c === '\r' || c === '\t')) {
      return i;
    }
  }
  return depth === 0 ? i : -1;
}

function expect(text: string, i: number, what: string): number {
  const j = skipSpace(text, i);
  if (j >= text.length) return -1;
  if (!text.startsWith(what, j)) throw new JsonShapeError(`${what} expected`, j);
  return j + what.length;
}

/** The items of `{"nftables": [ … ]}`, each as a span of the text. */
function scan(text: string): Scan {
  const items: Span[] = [];
  let i = expect(text, 0, '{');
  if (i >= 0) i = expect(text, i, '"nftables"');
  if (i >= 0) i = expect(text, i, ':');
  if (i >= 0) i = expect(text, i, '[');
  if (i < 0) return { items, cut: text.length };
  i = skipSpace(text, i);
  if (text[i] === ']') i++;
  else {
    for (;;) {
      const start = skipSpace(text, i);
      if (start >= text.length) return { items, cut: start };
      const end = skipValue(text, start);
      if (end < 0) return { items, cut: start };
      items.push({ start, end });
      i = skipSpace(text, end);
      if (i >= text.length) return { items, cut: i };
      if (text[i] === ']') {
        i++;
        break;
      }
      if (text[i] !== ',') throw new JsonShapeError('"," or "]" expected', i);
      i++;
    }
  }
  i = expect(text, i, '}');
  if (i < 0) return { items, cut: text.length };
  if (skipSpace(text, i) < text.length) throw new JsonShapeError('text after the document', skipSpace(text, i));
  return { items, cut: null };
}

/** Line numbers of text offsets. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

class JsonReader {
  readonly tables = new Map<string, NftTable>();
  /** Line of each table's own object. */
  readonly declared = new Map<string, number>();
  readonly warnings: Warning[] = [];
  version: string | null = null;
  hadHandles = false;
  hadCounters = false;
  line = 0;
  /** The table the last object read belongs to, and the chain of its last rule: where a cut falls. */
  lastTable: NftTable | null = null;
  lastRuleChain: NftChain | null = null;

  constructor(readonly options: ReadOptions) {}

  warn(message: string): void {
    this.warnings.push({ source: this.options.source, line: this.line, message });
  }

  table(family: string, name: string): NftTable {
    const id = `${family} ${name}`;
    let t = this.tables.get(id);
    if (!t) {
      t = newTable(family, name, this.line);
      this.tables.set(id, t);
    }
    return t;
  }

  /** The table an object names by `family` and `table`, or null when it names none. */
  tableOf(o: Record<string, unknown>): NftTable | null {
    const family = str(o.family);
    const name = str(o.table);
    if (family === null || name === null) return null;
    const t = this.table(family, name);
    if (this.lastTable !== t) this.lastRuleChain = null;
    this.lastTable = t;
    return t;
  }
}

function readTable(r: JsonReader, o: Record<string, unknown>): void {
  const family = str(o.family);
  const name = str(o.name);
  if (family === null || name === null) return r.warn('a table without family or name: left out');
  const id = `${family} ${name}`;
  const first = r.declared.get(id);
  if (first !== undefined) {
    throw new InputError(`table ${sanitizeLine(family)} ${sanitizeLine(name)} appears a second time (first on line ${first}): several listings in one file? Compare them one by one`, r.options.source, r.line);
  }
  r.declared.set(id, r.line);
  const table = r.table(family, name);
  table.comment = str(o.comment);
  r.lastTable = table;
  r.lastRuleChain = null;
}

function readChain(r: JsonReader, o: Record<string, unknown>): void {
  const table = r.tableOf(o);
  const name = str(o.name);
  if (!table || name === null) return r.warn('a chain without family, table or name: left out');
  if (table.chains.has(name)) throw new InputError(`chain ${sanitizeLine(name)} appears a second time in table ${sanitizeLine(table.name)}: several listings in one file?`, r.options.source, r.line);
  const chain = new NftChain(name, r.line);
  chain.comment = str(o.comment);
  const type = str(o.type);
  const hook = str(o.hook);
  const prio = num(o.prio);
  if (type !== null && hook !== null && prio !== null) chain.base = { type, hook, priority: prio, device: str(o.dev) };
  chain.policy = str(o.policy);
  table.chains.set(name, chain);
}

function typeList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.map((t) => (typeof t === 'string' ? t : JSON.stringify(t))) : [];
}

function readSet(r: JsonReader, kind: 'set' | 'map', o: Record<string, unknown>): void {
  const table = r.tableOf(o);
  const name = str(o.name);
  if (!table || name === null) return r.warn(`a ${kind} without family, table or name: left out`);
  if (table.sets.has(name)) throw new InputError(`${kind} ${sanitizeLine(name)} appears a second time in table ${sanitizeLine(table.name)}: several listings in one file?`, r.options.source, r.line);
  const set: NftSet = newSet(name, kind, r.line);
  set.keyTypes = o.type === undefined && o.typeof !== undefined ? [`typeof ${JSON.stringify(o.typeof)}`] : typeList(o.type);
  set.dataType = kind === 'map' ? typeList(o.map).join(' . ') || null : null;
  set.flags = canonicalFlags(typeList(o.flags));
  set.timeout = num(o.timeout);
  set.size = num(o.size);
  set.comment = str(o.comment);
  const view = setViewName(kind, name);
  for (const item of Array.isArray(o.elem) ? o.elem : []) {
    set.elements.push(new NftElement(view, elementFromJson(item), set.keyTypes, r.line, JSON.stringify(item), table.scope));
  }
  table.sets.set(name, set);
}

/** The rule's expression list as compared for formatting: counters zeroed. */
function rawExpr(expr: unknown[]): string {
  return JSON.stringify(expr.map((s) => (single(s)?.[0] === 'counter' ? { counter: null } : s)));
}

function readRule(r: JsonReader, o: Record<string, unknown>): void {
  const table = r.tableOf(o);
  const chainName = str(o.chain);
  if (!table || chainName === null || !Array.isArray(o.expr)) return r.warn('a rule without family, table, chain or expressions: left out');
  let chain = table.chains.get(chainName);
  if (!chain) {
    r.warn(`a rule of chain ${sanitizeLine(chainName)}, which the listing does not declare`);
    chain = new NftChain(chainName, r.line);
    table.chains.set(chainName, chain);
  }
  for (const s of o.expr) {
    const counter = single(s);
    if (counter?.[0] === 'counter' && isObject(counter[1]) && (num(counter[1].packets) ?? 0) > 0) r.hadCounters = true;
  }
  chain.rules.push(new NftRule(chainName, o.expr.map(statementFromJson), str(o.comment), r.line, rawExpr(o.expr), table.scope));
  r.lastRuleChain = chain;
}

/**
 * nft -j lists a table's chains, then their rules chain by chain: in the table a cut falls in, the
 * chain of the last rule read and the chains after it may have lost rules, so they are left out
 * (unknown rather than emptied).
 */
function dropWhatTheCutHid(r: JsonReader): void {
  const table = r.lastTable;
  if (!table) return;
  const chains = [...table.chains.values()];
  const from = r.lastRuleChain ? chains.indexOf(r.lastRuleChain) : 0;
  for (const c of chains.slice(Math.max(0, from))) table.chains.delete(c.name);
}

function readItem(r: JsonReader, item: unknown, text: string): void {
  const one = single(item);
  if (!one || !isObject(one[1])) return r.warn(`not an nft object: ${sanitizeLine(text.slice(0, 80))}`);
  const [kind, o] = one as [string, Record<string, unknown>];
  if (o.handle !== undefined) r.hadHandles = true;
  switch (kind) {
    case 'metainfo':
      r.version = str(o.version);
      return;
    case 'table':
      return readTable(r, o);
    case 'chain':
      return readChain(r, o);
    case 'set':
    case 'map':
      return readSet(r, kind, o);
    case 'rule':
      return readRule(r, o);
    default:
      // flowtables, counters, quotas, ct helpers…: kept by nft, not modelled here.
      return;
  }
}

export function parseNftJson(text: string, options: ReadOptions): NftDump {
  const lineOf = lineIndex(text);
  let scanned: Scan;
  try {
    scanned = scan(text);
  } catch (e) {
    if (!(e instanceof JsonShapeError)) throw e;
    throw new InputError(`not nft JSON (${e.message}): expected the output of \`nft -j list ruleset\``, options.source, lineOf(e.at));
  }
  const r = new JsonReader(options);
  for (const { start, end } of scanned.items) {
    r.line = lineOf(start);
    const slice = text.slice(start, end);
    let item: unknown;
    try {
      item = JSON.parse(slice);
    } catch {
      throw new InputError('not valid JSON in this object of the nft listing', options.source, r.line);
    }
    readItem(r, item, slice);
  }
  const tables = [...r.tables.values()];
  if (scanned.cut !== null) {
    const message = 'the JSON document ends before it is closed: the listing looks cut';
    if (!options.allowTruncated) throw new InputError(`${message}; pass --allow-truncated to diff what is there`, options.source, lineOf(scanned.cut));
    r.line = lineOf(scanned.cut);
    r.warn(message);
    dropWhatTheCutHid(r);
  }
  if (tables.length === 0) throw new InputError('no nft table found in the JSON listing', options.source);
  return {
    format: 'nft -j',
    tables,
    ruleset: rulesetView(tables),
    cutShort: scanned.cut !== null,
    linesLeftOut: false,
    hadHandles: r.hadHandles,
    hadCounters: r.hadCounters,
    version: r.version,
    warnings: r.warnings,
  };
}
