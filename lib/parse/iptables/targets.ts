/**
 * Targets in canonical form. MARK is saved as `--set-xmark value/mask` whatever was written,
 * REJECT's default reply is implicit, NAT addresses are normalised. Any other target keeps its
 * options as opaque tokens, sorted by option name.
 */
import { normalizeHostPort } from './address';
import { byName, hex32, opt, type Option } from './options';

/** Targets that are not chains: iptables' standard verdicts and its target extensions. */
export const BUILTIN_TARGETS = new Set([
  'ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP',
  'MARK', 'CONNMARK', 'LOG', 'NFLOG', 'ULOG', 'NFQUEUE', 'NOTRACK', 'CT', 'TPROXY', 'TCPMSS', 'TCPOPTSTRIP',
  'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'HL', 'ECN', 'AUDIT', 'CHECKSUM', 'SECMARK', 'CONNSECMARK', 'SET', 'TRACE',
  'CLUSTERIP', 'LED', 'IDLETIMER', 'RATEEST', 'SYNPROXY', 'TEE', 'HMARK', 'IPMARK',
]);

const REJECT_ALIASES: ReadonlyMap<string, string> = new Map(Object.entries({
  'net-unreach': 'icmp-net-unreachable',
  'host-unreach': 'icmp-host-unreachable',
  'port-unreach': 'icmp-port-unreachable',
  'proto-unreach': 'icmp-proto-unreachable',
  'net-prohib': 'icmp-net-prohibited',
  'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
  'tcp-rst': 'tcp-reset',
  'no-route': 'icmp6-no-route',
  'addr-unreach': 'icmp6-addr-unreachable',
  'adm-prohibited': 'icmp6-adm-prohibited',
}));
/** What REJECT sends when `--reject-with` is not given (IPv4 and IPv6). */
const REJECT_DEFAULTS = new Set(['icmp-port-unreachable', 'icmp6-port-unreachable']);

const LOG_LEVELS: ReadonlyMap<string, string> = new Map(Object.entries({
  emerg: '0', alert: '1', crit: '2', error: '3', err: '3', warning: '4', warn: '4', notice: '5', info: '6', debug: '7', panic: '0',
}));

function natTarget(options: Option[], toName: string): Option[] {
  const to: Option[] = [];
  const flags: Option[] = [];
  for (const o of options) {
    if (o.name === toName || o.name === '--to') {
      to.push(opt(toName, o.values.map((v) => normalizeHostPort(v)?.text ?? v)));
    } else {
      flags.push(o);
    }
  }
  return [...to, ...flags.sort(byName)];
}

/** value/mask of a MARK target as `--set-xmark` states it: mark = (mark & ~mask) ^ value. */
function markTarget(options: Option[]): Option[] {
  return options.map((o) => {
    const [valueText, maskText] = (o.values[0] ?? '').split('/');
    const value = hex32(valueText ?? '');
    const mask = maskText === undefined ? null : hex32(maskText);
    if (value === null || (maskText !== undefined && mask === null)) return o;
    switch (o.name) {
      case '--set-xmark':
      case '--set-mark':
        return opt('--set-xmark', [`${value}/${mask ?? '0xffffffff'}`]);
      case '--or-mark':
        return opt('--set-xmark', [`${value}/${value}`]);
      case '--xor-mark':
        return opt('--set-xmark', [`${value}/0x0`]);
      case '--and-mark':
        return opt('--set-xmark', [`0x0/${hex32(String(~Number.parseInt(value, 16) >>> 0))}`]);
      default:
        return o;
    }
  });
}

function rejectTarget(options: Option[]): Option[] {
  const out: Option[] = [];
  for (const o of options) {
    if (o.name !== '--reject-with') {
      out.push(o);
      continue;
    }
    const v = (o.values[0] ?? '').toLowerCase();
    const full = REJECT_ALIASES.get(v) ?? v;
    if (!REJECT_DEFAULTS.has(full)) out.push(opt('--reject-with', [full]));
  }
  return out.sort(byName);
}

function logTarget(options: Option[]): Option[] {
  const out: Option[] = [];
  for (const o of options) {
    if (o.name === '--log-level') {
      const v = (o.values[0] ?? '').toLowerCase();
      const level = LOG_LEVELS.get(v) ?? v;
      if (level !== '4') out.push(opt('--log-level', [level]));
    } else {
      out.push(o);
    }
  }
  return out.sort(byName);
}

function portsTarget(options: Option[]): Option[] {
  return options.map((o) => (o.name === '--to-ports' ? opt(o.name, o.values.map((v) => v.replace(':', '-'))) : o)).sort(byName);
}

export function canonicalTarget(name: string, options: Option[]): Option[] {
  switch (name) {
    case 'DNAT':
      return natTarget(options, '--to-destination');
    case 'SNAT':
      return natTarget(options, '--to-source');
    case 'MARK':
      return markTarget(options);
    case 'REJECT':
      return rejectTarget(options);
    case 'LOG':
      return logTarget(options);
    case 'MASQUERADE':
    case 'REDIRECT':
      return portsTarget(options);
    default:
      return [...options].sort(byName);
  }
}
