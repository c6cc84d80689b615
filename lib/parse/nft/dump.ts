/**
 * What an nft listing holds, whatever printed it (`nft list`, `nft -a list`, `nft -j list`):
 * tables with their chains, rules, sets and maps, and the view of them the generic chain diff
 * reads (model/ruleset), where a set or map is an order-insensitive chain of elements.
 */
import type { Warning } from '../../errors';
import type { Chain, Ruleset, Table } from '../../model/ruleset';
import { NftElement, NftRule, setViewName, type TableScope } from './rule';
import { formatDuration } from './values';

export interface BaseHook {
  type: string;
  hook: string;
  /** Numeric: nft prints `dstnat - 10` as text and -110 as JSON. */
  priority: number;
  device: string | null;
}

export class NftChain implements Chain<NftRule> {
  rules: NftRule[] = [];
  comment: string | null = null;
  /** Set for a base chain (one attached to a hook). */
  base: BaseHook | null = null;
  /** A base chain's policy (`accept`, `drop`); null for a regular chain. */
  policy: string | null = null;
  /** Rule order is meaning in a chain. */
  readonly ordered = true;

  constructor(
    readonly name: string,
    public line: number,
  ) {}

  /** `type nat hook prerouting priority -100`: what attaches it, for showing and comparing. */
  get declaration(): string | null {
    const b = this.base;
    return b ? `type ${b.type} hook ${b.hook}${b.device ? ` device ${b.device}` : ''} priority ${b.priority}` : null;
  }
}

export interface NftSet {
  readonly name: string;
  readonly kind: 'set' | 'map';
  line: number;
  /** `ipv4_addr`, `inet_proto`…, one per part of a concatenated key (or `typeof …` as written). */
  keyTypes: string[];
  /** A map's data type (`verdict`, `ipv4_addr . inet_service`); null for a set. */
  dataType: string | null;
  /** Sorted, without `dynamic` (nft -j does not print it; what makes a set dynamic is a rule updating it). */
  flags: string[];
  /** Seconds. */
  timeout: number | null;
  size: number | null;
  comment: string | null;
  elements: NftElement[];
}

export interface NftTable {
  readonly family: string;
  readonly name: string;
  readonly line: number;
  comment: string | null;
  readonly chains: Map<string, NftChain>;
  readonly sets: Map<string, NftSet>;
  readonly scope: TableScope;
}

export type NftFormat = 'nft list' | 'nft -j';

export interface NftDump {
  format: NftFormat;
  tables: NftTable[];
  /** The diff's view: tables `"<family> <name>"`, chains by name, sets and maps as `set NAME` / `map NAME`. */
  ruleset: Ruleset<NftRule | NftElement>;
  /** Cut short and read as far as it goes (allowTruncated): what it lacks is unknown. */
  cutShort: boolean;
  /** Whoever made the file left lines out and marked the place (a `...` line): what it lacks is unknown. */
  linesLeftOut: boolean;
  /** `# handle N` annotations (`nft -a`), or JSON handles: never meaning. */
  hadHandles: boolean;
  hadCounters: boolean;
  /** The nft version, when the listing says (`nft -j` metainfo). */
  version: string | null;
  warnings: Warning[];
}

export function newTable(family: string, name: string, line: number): NftTable {
  const sets = new Map<string, NftSet>();
  return { family, name, line, comment: null, chains: new Map(), sets, scope: { family, kindOf: (s) => sets.get(s)?.kind } };
}

export function newSet(name: string, kind: 'set' | 'map', line: number): NftSet {
  return { name, kind, line, keyTypes: [], dataType: null, flags: [], timeout: null, size: null, comment: null, elements: [] };
}

/** The set/map flags as compared: sorted, without the `dynamic` nft -j leaves out. */
export function canonicalFlags(flags: Iterable<string>): string[] {
  return [...new Set(flags)].filter((f) => f !== 'dynamic' && f !== '').sort();
}

/** `type ipv4_addr . inet_proto : verdict; flags interval; timeout 3h; size 65535` */
export function setDeclaration(s: NftSet): string {
  const parts = [`type ${s.keyTypes.join(' . ')}${s.dataType !== null ? ` : ${s.dataType}` : ''}`];
  if (s.flags.length > 0) parts.push(`flags ${s.flags.join(',')}`);
  if (s.timeout !== null) parts.push(`timeout ${formatDuration(s.timeout)}`);
  if (s.size !== null) parts.push(`size ${s.size}`);
  return parts.join('; ');
}

/** Sets a rule fills from the packet path (`update @affinity-…`): their elements are runtime state. */
function updatedSets(table: NftTable): Set<string> {
  const names = new Set<string>();
  for (const c of table.chains.values()) for (const r of c.rules) for (const s of r.statements) if (s.kind === 'set-op') names.add(s.set);
  return names;
}

/** A set or map as a chain of the diff's view: its elements are its rules, in no order. */
export interface SetViewChain extends Chain<NftElement> {
  readonly ordered: false;
  readonly declaration: string;
}

function setView(s: NftSet, runtime: boolean): SetViewChain {
  return { name: setViewName(s.kind, s.name), policy: null, rules: runtime ? [] : s.elements, line: s.line, ordered: false, declaration: setDeclaration(s) };
}

/**
 * Objects in the order of their names. A comparator called for every pair of 100k names sharing
 * long prefixes takes half a second; the names, each with its object's place after a NUL, are
 * sorted natively instead (the order is the same unless a name holds a NUL itself: then by the
 * comparator).
 */
function byName<T extends { name: string }>(xs: Iterable<T>): T[] {
  const list = [...xs];
  if (list.some((x) => x.name.includes('\0'))) return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const keys = list.map((x, i) => `${x.name}\0${i}`).sort();
  return keys.map((k) => list[Number(k.slice(k.lastIndexOf('\0') + 1))] as T);
}

/**
 * The diff's view of the tables. nft lists objects in creation order, which says when a chain was
 * first made, not what it does: the view lists chains by name, then maps, then sets.
 */
export function rulesetView(tables: NftTable[]): Ruleset<NftRule | NftElement> {
  const view = new Map<string, Table<NftRule | NftElement>>();
  for (const t of tables) {
    const chains = new Map<string, Chain<NftRule | NftElement>>();
    const runtime = updatedSets(t);
    for (const c of byName(t.chains.values())) chains.set(c.name, c);
    for (const kind of ['map', 'set'] as const) {
      for (const s of byName([...t.sets.values()].filter((x) => x.kind === kind))) chains.set(setViewName(kind, s.name), setView(s, runtime.has(s.name)));
    }
    view.set(`${t.family} ${t.name}`, { name: `${t.family} ${t.name}`, chains });
  }
  return { tables: view };
}
