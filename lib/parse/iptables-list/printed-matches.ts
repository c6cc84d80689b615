/**
 * Matches as `iptables -L -n` prints them, read back into the options iptables-save would write.
 * Each reader follows the print function of its extension (iptables extensions/libxt_*.c, 1.4.11
 * to 1.8.11): `tcp dpt:53`, `statistic mode random probability 0.33333333349`,
 * `recent: CHECK seconds: 10800 reap name: KUBE-SEP-… side: source mask: 255.255.255.255`,
 * `ADDRTYPE match dst-type LOCAL`, `mark match ! 0x4000/0x4000`, `ctstate RELATED,ESTABLISHED`…
 * A reader that does not recognise what follows gives up and puts the cursor back.
 */
import type { Cursor } from './printed-text';
import { match, option, type SpecWords } from './spec';

/** Something a listing printed with less than iptables-save would write. */
export type NoteLoss = (kind: 'probability', detail: string) => void;

type MatchReader = (c: Cursor, negated: boolean, note: NoteLoss) => SpecWords | null;

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];
const PORT_OPTION = /^([sd])pts?:(!?)(\d+(?::\d+)?)$/;
const TCP_OPTION = /^option=(!?)(\d+)$/;
/** -n prints the flags as numbers: `flags:0x17/0x02`. */
const TCP_FLAGS_OPTION = /^flags:(!?)0x([0-9a-f]{1,2})\/0x([0-9a-f]{1,2})$/i;
const MARK_VALUE = /^0x[0-9a-f]+(?:\/0x[0-9a-f]+)?$/i;
const ADDRESS_TYPES = /^(!?)([A-Z]+(?:,[A-Z]+)*)$/;
const DIGITS = /^\d+$/;
/** libxt_statistic prints `%.11f` since iptables 1.4.11 (2011), `%f` (6 decimals) before. */
const FULL_PROBABILITY = /^\d\.\d{11}$/;

function flagNames(hex: string): string {
  const bits = Number.parseInt(hex, 16);
  const names = TCP_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0);
  return names.length > 0 ? names.join(',') : 'NONE';
}

function portOption(word: string, protocol: string): SpecWords | null {
  const port = PORT_OPTION.exec(word);
  if (port) return option(port[1] === 's' ? '--sport' : '--dport', [port[3] as string], port[2] === '!');
  if (protocol !== 'tcp') return null;
  const tcpOption = TCP_OPTION.exec(word);
  if (tcpOption) return option('--tcp-option', [tcpOption[2] as string], tcpOption[1] === '!');
  const flags = TCP_FLAGS_OPTION.exec(word);
  if (flags) return option('--tcp-flags', [flagNames(flags[2] as string), flagNames(flags[3] as string)], flags[1] === '!');
  return null;
}

/** `tcp spt:1000 dpts:80:90 flags:0x17/0x02`; `tcp` alone is the empty match kube-proxy's DNAT rules carry. */
function portMatch(protocol: string): MatchReader {
  return (c, negated) => {
    if (negated) return null;
    c.take();
    const options: SpecWords[] = [];
    for (let o = portOption(c.peek() ?? '', protocol); o !== null; o = portOption(c.peek() ?? '', protocol)) {
      options.push(o);
      c.take();
    }
    return match(protocol, ...options);
  };
}

/** `statistic mode random [!] probability P`, `statistic mode nth [!] every N [packet P]`. */
function statisticMatch(c: Cursor, negated: boolean, note: NoteLoss): SpecWords | null {
  if (negated) return null;
  c.take();
  if (!c.skip('mode')) return null;
  const mode = c.take();
  const inverted = c.skip('!');
  if (mode === 'random' && c.skip('probability')) {
    const p = c.take();
    if (p === null || !/^\d+(?:\.\d+)?$/.test(p)) return null;
    if (!FULL_PROBABILITY.test(p)) note('probability', p);
    return match('statistic', option('--mode', ['random']), option('--probability', [p], inverted));
  }
  if (mode === 'nth' && c.skip('every')) {
    const every = c.take();
    if (every === null || !DIGITS.test(every)) return null;
    const options = [option('--mode', ['nth']), option('--every', [every], inverted)];
    if (c.skip('packet')) {
      const packet = c.take();
      if (packet === null || !DIGITS.test(packet)) return null;
      options.push(option('--packet', [packet]));
    }
    return match('statistic', ...options);
  }
  return null;
}

const RECENT_MODES: ReadonlyMap<string, string> = new Map([['SET', '--set'], ['CHECK', '--rcheck'], ['UPDATE', '--update'], ['REMOVE', '--remove']]);
const RECENT_VALUES: ReadonlyMap<string, { name: string; value: RegExp }> = new Map([
  ['seconds:', { name: '--seconds', value: DIGITS }],
  ['hit_count:', { name: '--hitcount', value: DIGITS }],
  ['name:', { name: '--name', value: /^\S+$/ }],
  ['mask:', { name: '--mask', value: /^[0-9a-f.:]+$/i }],
]);
const RECENT_FLAGS: ReadonlyMap<string, string> = new Map([['reap', '--reap'], ['TTL-Match', '--rttl']]);
const RECENT_SIDES: ReadonlyMap<string, string> = new Map([['source', '--rsource'], ['dest', '--rdest']]);

/** `[!] recent: CHECK seconds: 10800 reap name: KUBE-SEP-… side: source mask: 255.255.255.255`; the `!` negates the mode. */
function recentMatch(c: Cursor, negated: boolean): SpecWords | null {
  c.take();
  const options: SpecWords[] = [];
  let modes = 0;
  for (;;) {
    const word = c.peek() ?? '';
    const mode = RECENT_MODES.get(word);
    const flag = RECENT_FLAGS.get(word);
    const valued = RECENT_VALUES.get(word);
    const value = c.peek(1);
    if (mode) {
      options.push(option(mode, [], negated && modes === 0));
      modes++;
      c.take();
    } else if (flag) {
      options.push(option(flag));
      c.take();
    } else if (valued && value !== null && valued.value.test(value)) {
      options.push(option(valued.name, [value]));
      c.at += 2;
    } else if (word === 'side:' && value !== null && RECENT_SIDES.has(value)) {
      options.push(option(RECENT_SIDES.get(value) as string));
      c.at += 2;
    } else {
      break;
    }
  }
  return modes > 0 ? match('recent', ...options) : null;
}

/** `ADDRTYPE match src-type !UNICAST,LOCAL dst-type LOCAL limit-in`. */
function addrtypeMatch(c: Cursor, negated: boolean): SpecWords | null {
  if (negated || !c.skip('ADDRTYPE') || !c.skip('match')) return null;
  const options: SpecWords[] = [];
  for (;;) {
    const word = c.peek();
    const types = ADDRESS_TYPES.exec(c.peek(1) ?? '');
    if ((word === 'src-type' || word === 'dst-type') && types) {
      options.push(option(`--${word}`, [types[2] as string], types[1] === '!'));
      c.at += 2;
    } else if (word === 'limit-in' || word === 'limit-out') {
      options.push(option(`--limit-iface-${word.slice(6)}`));
      c.take();
    } else {
      break;
    }
  }
  return options.length > 0 ? match('addrtype', ...options) : null;
}

/** `mark match [!] 0x4000/0x4000` (`MARK match` before iptables 1.4.4), `connmark match  0x1`. */
function markMatch(module: string): MatchReader {
  return (c, negated) => {
    if (negated || c.peek(1) !== 'match') return null;
    c.at += 2;
    const inverted = c.skip('!');
    const value = c.take();
    return value !== null && MARK_VALUE.test(value) ? match(module, option('--mark', [value], inverted)) : null;
  };
}

const MULTIPORT_OPTIONS: ReadonlyMap<string, string> = new Map([['dports', '--dports'], ['sports', '--sports'], ['ports', '--ports']]);

/** `multiport dports 80,443,8000:8080` (`dports  !80` when negated). */
function multiportMatch(c: Cursor, negated: boolean): SpecWords | null {
  if (negated) return null;
  c.take();
  const name = MULTIPORT_OPTIONS.get(c.take() ?? '');
  const list = /^(!?)([\d:,]+)$/.exec(c.take() ?? '');
  return name && list ? match('multiport', option(name, [list[2] as string], list[1] === '!')) : null;
}

const CONNTRACK_OPTIONS: ReadonlySet<string> = new Set([
  'ctstate', 'ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport', 'ctstatus', 'ctexpire', 'ctdir',
]);

/** `ctstate RELATED,ESTABLISHED`, `! ctstate NEW ctorigdst 10.0.0.1`: one match, each option `[!] name value`. */
function conntrackMatch(c: Cursor, negated: boolean): SpecWords | null {
  const options: SpecWords[] = [];
  let inverted = negated;
  for (;;) {
    const name = c.peek();
    const value = c.peek(1);
    if (name === null || value === null || !CONNTRACK_OPTIONS.has(name)) break;
    options.push(option(`--${name}`, [value], inverted));
    c.at += 2;
    const before = c.at;
    inverted = c.skip('!');
    if (!CONNTRACK_OPTIONS.has(c.peek() ?? '')) {
      c.at = before;
      break;
    }
  }
  return options.length > 0 ? match('conntrack', ...options) : null;
}

/** `state RELATED,ESTABLISHED`. */
function stateMatch(c: Cursor, negated: boolean): SpecWords | null {
  c.take();
  const states = c.take();
  return states !== null && /^[A-Z]+(?:,[A-Z]+)*$/.test(states) ? match('state', option('--state', [states], negated)) : null;
}

/** `[!] match-set KUBE-CLUSTER-IP dst,dst [return-nomatch]`. */
function setMatch(c: Cursor, negated: boolean): SpecWords | null {
  c.take();
  const name = c.take();
  const flags = c.take();
  if (name === null || flags === null || !/^(?:src|dst)(?:,(?:src|dst))*$/.test(flags)) return null;
  const options = [option('--match-set', [name, flags], negated)];
  if (c.skip('return-nomatch')) options.push(option('--return-nomatch'));
  return match('set', ...options);
}

const PHYSDEV_FLAGS = new Set(['--physdev-is-in', '--physdev-is-out', '--physdev-is-bridged']);
const PHYSDEV_NAMED = new Set(['--physdev-in', '--physdev-out']);

/** `PHYSDEV match ! --physdev-is-in --physdev-out eth0`: printed in iptables-save's own words. */
function physdevMatch(c: Cursor, negated: boolean): SpecWords | null {
  if (negated || c.peek(1) !== 'match') return null;
  c.at += 2;
  const options: SpecWords[] = [];
  for (;;) {
    const before = c.at;
    const inverted = c.skip('!');
    const name = c.peek() ?? '';
    const device = c.peek(1);
    if (PHYSDEV_FLAGS.has(name)) {
      options.push(option(name, [], inverted));
      c.take();
    } else if (PHYSDEV_NAMED.has(name) && device !== null) {
      options.push(option(name, [device], inverted));
      c.at += 2;
    } else {
      c.at = before;
      break;
    }
  }
  return options.length > 0 ? match('physdev', ...options) : null;
}

/** `limit: avg 3/hour burst 5` (iptables-save leaves out the default burst of 5). */
function limitMatch(c: Cursor, negated: boolean): SpecWords | null {
  if (negated || c.peek(1) !== 'avg') return null;
  c.at += 2;
  const rate = c.take();
  const burst = c.skip('burst') ? c.take() : null;
  if (rate === null || !/^\d+\/[a-z]+$/.test(rate) || burst === null || !DIGITS.test(burst)) return null;
  return match('limit', option('--limit', [rate]), burst === '5' ? [] : option('--limit-burst', [burst]));
}

/** Readers by the first word a match prints (after a `!` that negates it, for those that print one first). */
const READERS: ReadonlyMap<string, MatchReader> = new Map<string, MatchReader>([
  ...['tcp', 'udp', 'sctp', 'udplite', 'dccp'].map((p): [string, MatchReader] => [p, portMatch(p)]),
  ['statistic', statisticMatch],
  ['recent:', recentMatch],
  ['ADDRTYPE', addrtypeMatch],
  ['mark', markMatch('mark')],
  ['MARK', markMatch('mark')],
  ['connmark', markMatch('connmark')],
  ['multiport', multiportMatch],
  ...[...CONNTRACK_OPTIONS].map((o): [string, MatchReader] => [o, conntrackMatch]),
  ['state', stateMatch],
  ['match-set', setMatch],
  ['PHYSDEV', physdevMatch],
  ['limit:', limitMatch],
]);

/** The match printed at the cursor, as iptables-save options; null (cursor unmoved) when no reader knows it. */
export function readMatch(c: Cursor, note: NoteLoss): SpecWords | null {
  const start = c.at;
  const negated = c.skip('!');
  const read = READERS.get(c.peek() ?? '')?.(c, negated, note) ?? null;
  if (read === null) c.at = start;
  return read;
}
