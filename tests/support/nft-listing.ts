/**
 * What `nft list table ip kube-proxy` (and `nft -a list …`) prints, nftables v1.0.6, after a fresh
 * network namespace loaded the given `nft -f` transactions in turn — without nft or the kernel:
 * the benchmark lists tables of 10,000 services, too many to load into the kernel on every run.
 * It reads the commands and rule forms kube-proxy-nft-writer.ts writes (table `ip kube-proxy`)
 * and throws on anything else; tests/nft-listing.test.ts holds it to the real nft byte for byte.
 *
 * How nft prints, as far as these transactions reach (nftables' src/rule.c, expression.c,
 * mergesort.c):
 * - the table's comment, its named sets and maps, then its chains, each kind in the order the
 *   kernel created them (a chain deleted and added again goes last; adding one that exists does
 *   nothing);
 * - elements sorted by value, not in the order they were added: a single field by its number, a
 *   concatenation by its bytes read as one little-endian number (so `… . tcp . 9000` comes before
 *   `… . udp . 53`: 9000's last byte is 0x28);
 * - elements wrapped two addresses, five numbers or one concatenation to a line;
 * - a rule's anonymous set of one element printed as its element, marks as 0x%08x;
 * - with `-a`, `# handle N`: one counter per table from 1 (the table is the namespace's first,
 *   handle 1), taken by every chain, set and rule the kernel creates, an anonymous set just
 *   before its rule.
 */
import { formatDuration } from '../../lib/parse/nft/values';

interface Rule {
  text: string;
  handle: number;
}

interface Chain {
  handle: number;
  /** Lines between the chain's header and its rules: its comment, its hook. */
  declaration: string[];
  rules: Rule[];
}

interface NamedSet {
  kind: 'set' | 'map';
  handle: number;
  /** `type …`, `size …`, `flags …`, `timeout …`, `comment …`, in nft's order. */
  declaration: string[];
  fields: string[];
  /** Element text by key, with the key nft sorts it by. */
  elements: Map<string, { order: string; text: string }>;
}

interface Table {
  comment: string | null;
  sets: Map<string, NamedSet>;
  chains: Map<string, Chain>;
  lastHandle: number;
}

const TABLE_HANDLE = 1;
const COMMAND = /^(add|flush|delete) (table|chain|rule|set|map|element) ip kube-proxy(?: (.*))?$/;
/** nft's standard priorities for the ip family, and the hooks where each name may be printed. */
const PRIORITIES: [string, number, (hook: string) => boolean][] = [
  ['raw', -300, () => true],
  ['mangle', -150, () => true],
  ['dstnat', -100, (hook) => hook === 'prerouting'],
  ['filter', 0, () => true],
  ['security', 50, () => true],
  ['srcnat', 100, (hook) => hook === 'postrouting'],
];
const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };
const FIELD_BYTES: Record<string, (value: string) => number[]> = {
  ipv4_addr: (v) => v.split('.').map(Number),
  inet_proto: (v) => [PROTOCOL_NUMBERS[v] ?? Number(v)],
  inet_service: (v) => [Number(v) >> 8, Number(v) & 255],
};
const SET_FLAGS = ['constant', 'dynamic', 'interval', 'timeout'];
/** What the kernel reports as the size of a dynamic set created without one. */
const DYNAMIC_SET_SIZE = 65535;
const NEWLINE = ',\n\t\t\t     ';

function fail(what: string, line: string): never {
  throw new Error(`nft-listing: ${what}: ${line}`);
}

/** `{ a ; b ; }` → ['a', 'b'] (the writer's object bodies). */
function bodyParts(body: string, line: string): string[] {
  if (!body.startsWith('{ ') || !body.endsWith(' ; }')) fail('unexpected body', line);
  return body.slice(2, -4).split(' ; ');
}

function quoted(part: string, line: string): string {
  const m = /^comment "([^"]*)"$/.exec(part);
  return m ? (m[1] as string) : fail('unexpected comment', line);
}

/** `0x004000` or `0` as nft prints a mark: `0x00004000`. */
function hex8(value: string): string {
  return `0x${Number(value).toString(16).padStart(8, '0')}`;
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** nft's prio2str: a standard name within 10 of the priority, if that name fits the hook, else the number. */
function printedPriority(priority: number, hook: string): string {
  for (const [name, value, fits] of PRIORITIES) {
    if (Math.abs(priority - value) > 10) continue;
    if (!fits(hook)) break;
    const offset = priority - value;
    return offset > 0 ? `${name} + ${offset}` : offset < 0 ? `${name} - ${-offset}` : name;
  }
  return String(priority);
}

function chainDeclaration(body: string | undefined, line: string): string[] {
  if (body === undefined) return [];
  const [part, ...rest] = bodyParts(body, line);
  if (rest.length > 0 || part === undefined) fail('unexpected chain body', line);
  if (part.startsWith('comment ')) return [`comment "${quoted(part, line)}"`];
  const m = /^type (\S+) hook (\S+) priority (-?\d+)$/.exec(part) ?? fail('unexpected chain body', line);
  const [, type, hook, priority] = m as unknown as [string, string, string, string];
  return [`type ${type} hook ${hook} priority ${printedPriority(Number(priority), hook)}; policy accept;`];
}

function newSet(kind: 'set' | 'map', body: string, handle: number, line: string): NamedSet {
  const options = new Map<string, string>();
  for (const part of bodyParts(body, line)) {
    const space = part.indexOf(' ');
    options.set(part.slice(0, space), part.slice(space + 1));
  }
  const type = options.get('type') ?? fail('a set without a type', line);
  const flags = options.get('flags')?.split(',') ?? [];
  const timeout = options.get('timeout');
  const comment = options.get('comment');
  for (const key of options.keys()) if (!['type', 'flags', 'timeout', 'comment'].includes(key)) fail(`unexpected set option ${key}`, line);
  const fields = (type.split(' : ')[0] as string).split(' . ');
  for (const field of fields) if (!FIELD_BYTES[field]) fail(`unexpected key type ${field}`, line);
  const declaration = [`type ${type}`];
  if (flags.includes('dynamic')) declaration.push(`size ${DYNAMIC_SET_SIZE}`);
  if (flags.length > 0) declaration.push(`flags ${SET_FLAGS.filter((f) => flags.includes(f)).join(',')}`);
  if (timeout !== undefined) declaration.push(`timeout ${formatDuration(Number(/^(\d+)s$/.exec(timeout)?.[1] ?? fail('unexpected timeout', line)))}`);
  if (comment !== undefined) declaration.push(`comment ${comment}`); // written as nft prints it: `"…"`
  return { kind, handle, declaration, fields, elements: new Map() };
}

/** The value nft sorts an element by, as a string that compares as that number does. */
function sortOrder(fields: string[], key: string): string {
  const values = key.split(' . ');
  const bytes = values.flatMap((v, i) => (FIELD_BYTES[fields[i] as string] as (value: string) => number[])(v));
  return String.fromCharCode(...(values.length > 1 ? bytes.reverse() : bytes));
}

function addElement(set: NamedSet, body: string, line: string): void {
  if (!body.startsWith('{ ') || !body.endsWith(' }')) fail('unexpected element', line);
  const text = body.slice(2, -2);
  const end = [text.indexOf(' comment "'), text.indexOf(' : '), text.length].filter((i) => i >= 0);
  const key = text.slice(0, Math.min(...end));
  if (key.split(' . ').length !== set.fields.length) fail('element does not fit the set', line);
  if (!set.elements.has(key)) set.elements.set(key, { order: sortOrder(set.fields, key), text });
}

/** A rule as nft prints it, and how many anonymous sets the kernel made for it. */
function printedRule(text: string): { text: string; anonymousSets: number } {
  const commentAt = text.indexOf(' comment "');
  const comment = commentAt < 0 ? '' : text.slice(commentAt);
  const written = commentAt < 0 ? text : text.slice(0, commentAt);
  let braces = 0;
  let anonymousSets = 0;
  const statements = written
    .replace(/^mark set mark (or|xor) (\S+)/, (_, op: string, value: string) => `meta mark set meta mark ${op === 'or' ? '|' : '^'} ${hex8(value)}`)
    .replace(/^mark and (\S+) == (\S+)/, (_, mask: string, value: string) => `meta mark & ${hex8(mask)} == ${hex8(value)}`)
    .replace(/^update @\S+ \{ ip saddr \}$/, (whole: string) => {
      braces++;
      return whole;
    })
    .replace(/ vmap \{ (.+?) \}/, (_, body: string) => {
      braces++;
      anonymousSets++;
      const entries = body.split(' , ').sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
      return ` vmap { ${entries.join(', ')} }`;
    })
    .replace(/ (saddr|daddr)( != | )\{ ([\d./ ,]+?) \}/g, (_, field: string, op: string, body: string) => {
      braces++;
      const items = body.split(' , ');
      if (items.length === 1) return ` ${field}${op}${items[0]}`;
      anonymousSets++;
      const start = (item: string) => ipv4Number(item.split('/')[0] as string);
      return ` ${field}${op}{ ${items.sort((a, b) => start(a) - start(b)).join(', ')} }`;
    });
  if (braces !== (written.match(/\{/g) ?? []).length) fail('unexpected braces in rule', text);
  return { text: statements + comment, anonymousSets };
}

function apply(table: Table | null, line: string): Table | null {
  const m = COMMAND.exec(line) ?? fail('unexpected command', line);
  const [, verb, object, rest = ''] = m as unknown as [string, string, string, string | undefined];
  if (object === 'table') {
    if (verb !== 'add') fail('unexpected table command', line);
    if (table) return table;
    const parts = rest === '' ? [] : bodyParts(rest, line);
    return { comment: parts[0] === undefined ? null : quoted(parts[0], line), sets: new Map(), chains: new Map(), lastHandle: 0 };
  }
  if (!table) return fail('no table yet', line);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const tail = space < 0 ? undefined : rest.slice(space + 1);
  const next = () => ++table.lastHandle;
  const chain = () => table.chains.get(name) ?? fail('no such chain', line);
  const set = () => table.sets.get(name) ?? fail('no such set', line);
  switch (`${verb} ${object}`) {
    case 'add chain':
      if (!table.chains.has(name)) table.chains.set(name, { declaration: chainDeclaration(tail, line), handle: next(), rules: [] });
      break;
    case 'flush chain':
      chain().rules = [];
      break;
    case 'delete chain':
      if (chain().rules.length > 0) fail('deleting a chain with rules', line);
      table.chains.delete(name);
      break;
    case 'add rule': {
      const rule = printedRule(tail ?? fail('empty rule', line));
      table.lastHandle += rule.anonymousSets;
      chain().rules.push({ text: rule.text, handle: next() });
      break;
    }
    case 'add set':
    case 'add map':
      if (!table.sets.has(name)) table.sets.set(name, newSet(object as 'set' | 'map', tail ?? fail('a set without a body', line), next(), line));
      break;
    case 'flush set':
    case 'flush map':
      set().elements.clear();
      break;
    case 'add element':
      addElement(set(), tail ?? fail('no element', line), line);
      break;
    default:
      fail('unexpected command', line);
  }
  return table;
}

function printElements(set: NamedSet): string {
  const elements = [...set.elements.values()].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const [field] = set.fields;
  const perLine = set.fields.length > 1 ? 1 : field === 'ipv4_addr' ? 2 : 5;
  return elements.map((e, i) => (i === 0 ? '' : i % perLine === 0 ? NEWLINE : ', ') + e.text).join('');
}

function print(table: Table, handles: boolean): string {
  const handle = (n: number) => (handles ? ` # handle ${n}` : '');
  const out: string[] = [`table ip kube-proxy {${handle(TABLE_HANDLE)}\n`];
  if (table.comment !== null) out.push(`\tcomment "${table.comment}"\n`);
  let delimiter = '';
  for (const [name, set] of table.sets) {
    out.push(`${delimiter}\t${set.kind} ${name} {${handle(set.handle)}\n`, ...set.declaration.map((l) => `\t\t${l}\n`));
    if (set.elements.size > 0) out.push(`\t\telements = { ${printElements(set)} }\n`);
    out.push('\t}\n');
    delimiter = '\n';
  }
  for (const [name, chain] of table.chains) {
    out.push(`${delimiter}\tchain ${name} {${handle(chain.handle)}\n`, ...chain.declaration.map((l) => `\t\t${l}\n`));
    for (const rule of chain.rules) out.push(`\t\t${rule.text}${handle(rule.handle)}\n`);
    out.push('\t}\n');
    delimiter = '\n';
  }
  out.push('}\n');
  return out.join('');
}

/**
 * Table `ip kube-proxy` of a fresh network namespace, as `nft -f` of each transaction loaded in
 * turn leaves it; `list()` is what `nft list table ip kube-proxy` prints then (`nft -a list …`
 * with `handles`).
 */
export class NftTable {
  private table: Table | null = null;

  load(transaction: string): this {
    for (const line of transaction.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      this.table = apply(this.table, line);
    }
    return this;
  }

  list(options: { handles?: boolean } = {}): string {
    return this.table ? print(this.table, options.handles ?? false) : fail('no table', '');
  }
}
