/**
 * Match modules in canonical form: aliases resolved, defaults that iptables-save adds made
 * explicit or dropped, lists that are sets sorted, numbers in the notation iptables-save prints.
 * A module this file does not know keeps its options as opaque tokens, sorted by option name.
 */
import { byName, hex32, opt, type Option } from './options';
import { normalizePortList, normalizePortSpec } from './ports';
import { probabilityText, probabilityUnits } from './probability';

export interface MatchContext {
  warn(message: string): void;
}

/** Options a module accepts, for options written after a later `-m` (iptables dispatches by name). */
const MODULE_OPTION_LISTS: Readonly<Record<string, readonly string[]>> = {
  tcp: ['--dport', '--sport', '--destination-port', '--source-port', '--tcp-flags', '--syn', '--tcp-option'],
  udp: ['--dport', '--sport', '--destination-port', '--source-port'],
  sctp: ['--dport', '--sport', '--destination-port', '--source-port', '--chunk-types'],
  icmp: ['--icmp-type'],
  icmp6: ['--icmpv6-type'],
  comment: ['--comment'],
  statistic: ['--mode', '--probability', '--every', '--packet'],
  recent: ['--name', '--set', '--rcheck', '--update', '--remove', '--seconds', '--reap', '--hitcount', '--rttl', '--mask', '--rsource', '--rdest'],
  mark: ['--mark'],
  state: ['--state'],
  addrtype: ['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out'],
  multiport: ['--dports', '--sports', '--ports', '--destination-ports', '--source-ports'],
  nfacct: ['--nfacct-name'],
};

/** A Map, not an object: module names come from the input (`-m constructor` is a string, not a key of Object). */
export const MODULE_OPTIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map(Object.entries(MODULE_OPTION_LISTS).map(([m, opts]) => [m, new Set(opts)]));

export const KNOWN_MODULE_OPTIONS: ReadonlySet<string> = new Set(Object.values(MODULE_OPTION_LISTS).flat());

/** Options that belong to the protocol's own match when no `-m` names it (`-p tcp --dport 80`). */
export const PROTOCOL_OPTIONS = new Set(['--dport', '--sport', '--destination-port', '--source-port', '--tcp-flags', '--syn', '--tcp-option', '--chunk-types', '--icmp-type', '--icmpv6-type']);

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function flagList(text: string): string {
  const upper = text.toUpperCase();
  if (upper === 'ALL') return TCP_FLAGS.join(',');
  if (upper === 'NONE') return 'NONE';
  const set = new Set(upper.split(','));
  if (set.has('ALL')) return TCP_FLAGS.join(',');
  const known = TCP_FLAGS.filter((f) => set.has(f));
  return known.length > 0 ? known.join(',') : 'NONE';
}

function orderedList(text: string, order: readonly string[]): string {
  const items = text.toUpperCase().split(',');
  return items.sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0)).join(',');
}

function rank(order: readonly string[], item: string): number {
  const i = order.indexOf(item);
  return i < 0 ? order.length : i;
}

const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const CT_STATUS = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];
const ADDR_TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

function portMatch(options: Option[]): Option[] {
  const out: Option[] = [];
  for (const o of options) {
    const name = o.name === '--destination-port' ? '--dport' : o.name === '--source-port' ? '--sport' : o.name;
    if (name === '--dport' || name === '--sport') out.push(opt(name, o.values.map(normalizePortSpec), o.negated));
    else if (name === '--syn') out.push(opt('--tcp-flags', ['FIN,SYN,RST,ACK', 'SYN'], o.negated));
    else if (name === '--tcp-flags' && o.values.length === 2) out.push(opt(name, [flagList(o.values[0] as string), flagList(o.values[1] as string)], o.negated));
    else out.push(o);
  }
  const order = ['--sport', '--dport', '--tcp-option', '--tcp-flags'];
  return out.sort((a, b) => rank(order, a.name) - rank(order, b.name));
}

function statisticMatch(options: Option[], ctx: MatchContext): Option[] {
  const mode = options.find((o) => o.name === '--mode')?.values[0]?.toLowerCase() ?? 'random';
  const out: Option[] = [opt('--mode', [mode])];
  for (const o of options) {
    if (o.name === '--mode') continue;
    if (o.name === '--probability') {
      const units = probabilityUnits(o.values[0] ?? '');
      if (units === null) ctx.warn(`statistic probability "${o.values[0] ?? ''}" is not a number between 0 and 1`);
      out.push(opt(o.name, [units === null ? (o.values[0] ?? '') : probabilityText(units)], o.negated));
    } else {
      out.push(o);
    }
  }
  if (mode === 'nth' && !out.some((o) => o.name === '--packet')) out.push(opt('--packet', ['0']));
  const order = ['--mode', '--probability', '--every', '--packet'];
  return out.sort((a, b) => rank(order, a.name) - rank(order, b.name));
}

export const ALL_ONES_MASKS = new Set(['255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);

function recentMatch(options: Option[]): Option[] {
  const out: Option[] = [];
  for (const o of options) {
    if (o.name === '--rsource') continue; // the default side
    if (o.name === '--mask' && ALL_ONES_MASKS.has((o.values[0] ?? '').toLowerCase())) continue;
    if (o.name === '--name' && o.values[0] === 'DEFAULT') continue;
    out.push(o);
  }
  // The order libxt_recent's save function prints.
  const order = ['--set', '--rcheck', '--update', '--remove', '--seconds', '--reap', '--hitcount', '--rttl', '--name', '--mask', '--rdest'];
  return out.sort((a, b) => rank(order, a.name) - rank(order, b.name));
}

function markMatch(options: Option[]): Option[] {
  return options.map((o) => {
    if (o.name !== '--mark') return o;
    const [value, mask] = (o.values[0] ?? '').split('/');
    const v = hex32(value ?? '');
    const m = mask === undefined ? '0xffffffff' : hex32(mask);
    if (v === null || m === null) return o;
    return opt('--mark', [m === '0xffffffff' ? v : `${v}/${m}`], o.negated);
  });
}

function listMatch(options: Option[], lists: Record<string, readonly string[]>): Option[] {
  return options
    .map((o) => {
      const order = lists[o.name];
      return order && o.values.length === 1 ? opt(o.name, [orderedList(o.values[0] as string, order)], o.negated) : o;
    })
    .sort(byName);
}

function multiportMatch(options: Option[]): Option[] {
  return options
    .map((o) => {
      const name = o.name === '--destination-ports' ? '--dports' : o.name === '--source-ports' ? '--sports' : o.name;
      return name === '--dports' || name === '--sports' || name === '--ports' ? opt(name, [normalizePortList(o.values[0] ?? '')], o.negated) : o;
    })
    .sort(byName);
}

/** Canonical options of one match module (the comment module is handled by the rule parser). */
export function canonicalMatch(module: string, options: Option[], ctx: MatchContext): Option[] {
  switch (module) {
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'udplite':
    case 'dccp':
      return portMatch(options);
    case 'statistic':
      return statisticMatch(options, ctx);
    case 'recent':
      return recentMatch(options);
    case 'mark':
    case 'connmark':
      return markMatch(options);
    case 'conntrack':
      return listMatch(options, { '--ctstate': CT_STATES, '--ctstatus': CT_STATUS });
    case 'state':
      return listMatch(options, { '--state': CT_STATES });
    case 'addrtype':
      return listMatch(options, { '--src-type': ADDR_TYPES, '--dst-type': ADDR_TYPES });
    case 'multiport':
      return multiportMatch(options);
    default:
      return [...options].sort(byName);
  }
}
