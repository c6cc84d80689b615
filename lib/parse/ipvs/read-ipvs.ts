/**
 * Reads `ipvsadm -Ln` (also `-L -n`, `--stats`, `--rate`, `--exact`, `--thresholds`,
 * `--persistent-conn`, `--tun-info`, one service with `-t`) and `ipvsadm-save -n` into virtual
 * services and real servers. The listing's column titles say what its lines hold, so every view is
 * read by one grammar. A connection listing (`-c`) is runtime state: recognised and skipped.
 */
import { InputError, type Warning } from '../../errors';
import { MAX_LINE_LENGTH } from '../iptables/parse-dump';
import { excerpt } from '../line-reader';
import { joinHostPort } from '../../model/addresses';
import { parseIpPort, type IpPort } from './address';
import { CONNECTION_ENTRY, CONNECTIONS_LINE, DEST_LINE, DEST_TITLE_LINE, SAVE_LINE, SERVICE_LINE, TITLE_LINE, VERSION_LINE } from './lines';
import { ipvsRuleset } from './ruleset';
import type { ForwardMethod, IpvsDump, IpvsFormat, IpvsProtocol, RealServer, Scheduling, VirtualAddress, VirtualService } from './types';

export interface ReadOptions {
  source: string;
  /** Read a listing cut short as far as it goes, instead of refusing it. */
  allowTruncated?: boolean;
  /** Line number of the text's first line in the whole input (default 1): a part of a larger file. */
  firstLine?: number;
}

/** How the current listing lays out its lines, from its column titles. */
interface View {
  format: IpvsFormat;
  /** Service lines end in the scheduling (`rr persistent 10800`), or in these counters. */
  serviceCounters: string[] | null;
  /** Destination columns after the address. */
  destColumns: string[];
}

const LIST_VIEW: View = { format: 'ipvsadm -Ln', serviceCounters: null, destColumns: ['Forward', 'Weight', 'ActiveConn', 'InActConn'] };

const VIEW_BY_FIRST_COLUMN: Record<string, { format: IpvsFormat; counters: boolean }> = {
  Conns: { format: 'ipvsadm -Ln --stats', counters: true },
  CPS: { format: 'ipvsadm -Ln --rate', counters: true },
  Uthreshold: { format: 'ipvsadm -Ln --thresholds', counters: false },
  Weight: { format: 'ipvsadm -Ln --persistent-conn', counters: false },
};

const FORWARD: Record<string, ForwardMethod> = { Masq: 'Masq', Route: 'Route', Tunnel: 'Tunnel', Local: 'Local' };
const FORWARD_SWITCH: Record<string, ForwardMethod> = { '-m': 'Masq', '-g': 'Route', '-i': 'Tunnel' };
const PROTOCOL: Record<string, IpvsProtocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };
/** ipvsadm-save's tunnel checksum options, as `--tun-info` prints them. */
const TUNNEL_CHECKSUM: Record<string, string> = { '--tun-nocsum': '-c', '--tun-csum': '+c', '--tun-remcsum': 'r+c' };

/** One appearance of a virtual service: a file may list the table twice (`-Ln`, then `--stats`). */
interface Listed {
  service: VirtualService;
  format: IpvsFormat;
}

/** A listing between two title lines: `ipvsadm -L -t SERVICE` prints no version line and one service. */
interface Listing {
  line: number;
  hasVersion: boolean;
  services: number;
}

class LineError extends Error {}

class Reader {
  readonly warnings: Warning[] = [];
  readonly listed: Listed[] = [];
  readonly listings: Listing[] = [];
  view: View | 'connections' | null = null;
  /** The service whose destination lines follow (listings), or the last `-A` (ipvsadm-save). */
  current: Listed | null = null;
  readonly saved = new Map<string, Listed>();
  versionLine = 0;
  ipvsVersion: string | null = null;
  /** Connection listings (`-c`) skipped, by their first and last line; the last one may still grow. */
  readonly skippedConnections: { from: number; to: number }[] = [];
  sawTitle = false;
  readonly formats = new Set<IpvsFormat>();
  line = 0;
  /** The last line before this one that held anything. */
  lastContentLine = 0;
  goodLines = 0;
  badLines: { line: number; reason: string }[] = [];
  cut: { line: number; service: Listed | null } | null = null;

  constructor(readonly options: ReadOptions) {}

  warn(message: string, line: number | null = this.line): void {
    this.warnings.push({ source: this.options.source, line, message });
  }
}

function fail(reason: string): never {
  throw new LineError(reason);
}

function ipPort(text: string): IpPort {
  const parsed = parseIpPort(text);
  if (parsed) return parsed;
  if (/^\[?[\w.-]+\]?:[a-z][\w-]*$/i.test(text) || /^[a-z][\w.-]*:\d+$/i.test(text)) {
    throw new InputError(`\`ipvsadm -L\` without \`-n\` printed names (${excerpt(text)}); natdiff compares addresses: capture \`ipvsadm -Ln\``);
  }
  return fail(`not an address:port (${excerpt(text)})`);
}

function count(text: string | undefined, what: string, max = 2 ** 32 - 1): number {
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > max) fail(`${what} is not a number (${excerpt(text ?? '')})`);
  return Number(text);
}

/** A scheduler, persistence engine or tunnel type: a plain word (what the reports echo stays plain). */
function word(text: string | undefined, what: string): string {
  if (text === undefined || !/^[a-z][a-z0-9_-]{0,31}$/.test(text)) fail(`${what} is not a name (${excerpt(text ?? '')})`);
  return text;
}

/** `sh-fallback,sh-port`, sorted. */
function schedulerFlags(text: string): string[] {
  return text.split(',').filter((f) => f !== '').map((f) => word(f, 'a scheduler flag')).sort();
}

/** A persistence mask: `255.255.255.0` (IPv4) or a prefix length (IPv6). */
function mask(text: string | undefined): string {
  if (text === undefined || !/^(?:\d{1,3}\.){3}\d{1,3}$|^\d{1,3}$/.test(text)) fail(`the persistence mask is not a mask (${excerpt(text ?? '')})`);
  return text;
}

function virtualName(address: VirtualAddress): string {
  if (address.kind === 'fwmark') return `FWM ${address.mark}${address.family === 'ipv6' ? ' IPv6' : ''}`;
  return `${address.protocol.toUpperCase()} ${joinHostPort(address.ip, address.port)}`;
}

function addressOf(protocol: IpvsProtocol, text: string): VirtualAddress {
  const a = ipPort(text);
  return { kind: 'address', protocol, ip: a.ip, port: a.port, family: a.family };
}

// ---- listings (`ipvsadm -L`) ----

function readTitle(r: Reader, columnsText: string | undefined): void {
  const columns = columnsText?.trim().split(/\s+/) ?? [];
  r.sawTitle = true;
  r.listings.push({ line: r.line, hasVersion: r.versionLine > 0 && r.versionLine === r.lastContentLine, services: 0 });
  r.current = null;
  if (columns.join(' ') === 'Scheduler Flags') {
    r.view = { ...LIST_VIEW, destColumns: [] };
  } else {
    const kind = VIEW_BY_FIRST_COLUMN[columns[0] ?? ''];
    if (!kind) fail(`unknown ipvsadm column titles (${excerpt(columnsText ?? '')})`);
    r.view = { format: kind.format, serviceCounters: kind.counters ? columns : null, destColumns: columns };
  }
  r.formats.add(r.view.format);
}

function readDestTitle(r: Reader, columnsText: string | undefined): void {
  if (!r.view || r.view === 'connections') fail('destination titles without the line of service titles before them');
  const columns = columnsText?.trim().split(/\s+/) ?? [];
  if (r.view.serviceCounters === null && columns.length > 0) r.view = { ...r.view, destColumns: columns };
}

function currentView(r: Reader): View {
  if (r.view === null) r.view = LIST_VIEW; // a paste without the title lines: the plain `-Ln` layout
  if (r.view === 'connections') fail('a service line inside the connection listing');
  if (r.view.destColumns.length === 0) r.view = { ...r.view, destColumns: LIST_VIEW.destColumns };
  return r.view;
}

function readScheduling(tokens: string[]): Scheduling {
  const s: Scheduling = { scheduler: word(tokens[0], 'the scheduler'), schedulerFlags: [], persistence: null, onePacket: false };
  let i = 1;
  if (tokens[i]?.startsWith('(')) {
    const flags = tokens[i] as string;
    if (!flags.endsWith(')')) fail(`unreadable scheduler flags (${excerpt(flags)})`);
    s.schedulerFlags = schedulerFlags(flags.slice(1, -1));
    i++;
  }
  while (i < tokens.length) {
    const flag = tokens[i++] as string;
    if (flag === 'persistent') s.persistence = { timeout: count(tokens[i++], 'the persistence timeout'), mask: null, engine: null };
    else if (flag === 'mask' && s.persistence) s.persistence.mask = mask(tokens[i++]);
    else if (flag === 'pe' && s.persistence) s.persistence.engine = word(tokens[i++], 'the persistence engine');
    else if (flag === 'ops') s.onePacket = true;
    else fail(`unknown service flag ${excerpt(flag)}`);
  }
  return s;
}

function counters(names: string[], values: string[], what: string): Record<string, string> {
  if (values.length !== names.length) fail(`${what} has ${values.length} columns where the titles name ${names.length} (${names.join(' ')})`);
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    const v = values[i] as string;
    if (!/^\d+[KMGT]?$/.test(v)) fail(`${n} is not a count (${excerpt(v)})`);
    out[n] = v;
  });
  return out;
}

function readServiceLine(r: Reader, text: string): void {
  const view = currentView(r);
  const tokens = text.split(/\s+/);
  const proto = tokens[0] as string;
  let address: VirtualAddress;
  let rest: string[];
  if (proto === 'FWM') {
    const ipv6 = tokens[2] === 'IPv6';
    address = { kind: 'fwmark', mark: count(tokens[1], 'the firewall mark'), family: ipv6 ? 'ipv6' : 'ipv4' };
    rest = tokens.slice(ipv6 ? 3 : 2);
  } else {
    address = addressOf(PROTOCOL[proto] as IpvsProtocol, tokens[1] as string);
    rest = tokens.slice(2);
  }
  const service: VirtualService = {
    name: virtualName(address),
    address,
    scheduling: view.serviceCounters ? null : readScheduling(rest),
    realServers: [],
    counters: view.serviceCounters ? counters(view.serviceCounters, rest, 'the service line') : {},
    line: r.line,
    raw: view.serviceCounters ? tokens.slice(0, tokens.length - rest.length).join(' ') : text,
  };
  r.current = { service, format: view.format };
  r.listed.push(r.current);
  r.formats.add(view.format);
  const listing = r.listings[r.listings.length - 1];
  if (listing) listing.services++;
}

function readDestLine(r: Reader, text: string): void {
  const view = currentView(r);
  if (!r.current || r.current.format === 'ipvsadm-save -n') fail('a real server line without its virtual service line before it');
  const tokens = text.split(/\s+/).slice(1);
  const address = ipPort(tokens[0] as string);
  const values = tokens.slice(1);
  if (values.length !== view.destColumns.length) fail(`the real server line has ${values.length} columns where the titles name ${view.destColumns.length} (${view.destColumns.join(' ')})`);
  const server: RealServer = { address: address.text, ip: address.ip, port: address.port, forward: null, weight: null, tunnel: null, counters: {}, line: r.line, raw: '' };
  const shown: string[] = [tokens[0] as string];
  view.destColumns.forEach((column, i) => {
    const v = values[i] as string;
    if (column === 'Forward') {
      server.forward = FORWARD[v] ?? fail(`unknown forwarding method ${excerpt(v)}`);
      shown.push(v);
    } else if (column === 'Weight') {
      server.weight = count(v, 'the weight');
      shown.push(v);
    } else if (column === 'TunnelInfo') {
      if (v !== 'n/a' && !/^[a-z]+(?::\d{1,5})?(?::r?[-+]c)?$/.test(v)) fail(`unreadable tunnel information (${excerpt(v)})`);
      server.tunnel = v === 'n/a' ? null : v;
      shown.push(v);
    } else {
      Object.assign(server.counters, counters([column], [v], 'the real server line'));
    }
  });
  server.raw = `-> ${shown.join(' ')}`;
  r.current.service.realServers.push(server);
}

// ---- ipvsadm-save ----

/** `-t ADDR`, `-u ADDR`, `--sctp-service ADDR`, `-f MARK [-6]` at `tokens[1]`; returns the index after it. */
function savedAddress(tokens: string[]): { address: VirtualAddress; next: number } {
  const option = tokens[1] as string;
  if (option === '-f') {
    const ipv6 = tokens[3] === '-6';
    return { address: { kind: 'fwmark', mark: count(tokens[2], 'the firewall mark'), family: ipv6 ? 'ipv6' : 'ipv4' }, next: ipv6 ? 4 : 3 };
  }
  return { address: addressOf(PROTOCOL[option] as IpvsProtocol, tokens[2] as string), next: 3 };
}

function readSavedService(r: Reader, tokens: string[], text: string): void {
  const { address, next } = savedAddress(tokens);
  const s: Scheduling = { scheduler: 'wlc', schedulerFlags: [], persistence: null, onePacket: false };
  for (let i = next; i < tokens.length; ) {
    const option = tokens[i++] as string;
    const value = (): string => tokens[i++] ?? fail(`${option} without a value`);
    if (option === '-s') s.scheduler = word(value(), 'the scheduler');
    else if (option === '-p') s.persistence = { timeout: count(value(), 'the persistence timeout'), mask: null, engine: null };
    else if (option === '-M' && s.persistence) s.persistence.mask = mask(value());
    else if ((option === '--pe' || option === 'pe') && s.persistence) s.persistence.engine = word(value(), 'the persistence engine');
    else if (option === '-o' || option === 'ops') s.onePacket = true;
    else if (option === '-b') s.schedulerFlags = schedulerFlags(value());
    else fail(`unknown ipvsadm-save option ${excerpt(option)}`);
  }
  const service: VirtualService = { name: virtualName(address), address, scheduling: s, realServers: [], counters: {}, line: r.line, raw: text };
  const first = r.saved.get(service.name);
  if (first) throw new InputError(`${service.name} is added a second time (first on line ${first.service.line}): several saves in one file? Compare them one by one`, r.options.source, r.line);
  r.current = { service, format: 'ipvsadm-save -n' };
  r.saved.set(service.name, r.current);
  r.listed.push(r.current);
  r.formats.add('ipvsadm-save -n');
}

function readSavedServer(r: Reader, tokens: string[], text: string): void {
  const { address: vip, next } = savedAddress(tokens);
  const owner = r.saved.get(virtualName(vip));
  if (!owner) fail(`a real server of ${virtualName(vip)}, which no -A line before it adds`);
  let address: IpPort | null = null;
  let forward: ForwardMethod = 'Route'; // ipvsadm's default method is gatewaying
  let weight = 1;
  const tunnel: string[] = [];
  for (let i = next; i < tokens.length; ) {
    const option = tokens[i++] as string;
    const value = (): string => tokens[i++] ?? fail(`${option} without a value`);
    if (option === '-r') address = ipPort(value());
    else if (option in FORWARD_SWITCH) forward = FORWARD_SWITCH[option] as ForwardMethod;
    else if (option === '-w') weight = count(value(), 'the weight');
    else if (option === '--tun-type') tunnel.unshift(word(value(), 'the tunnel type'));
    else if (option === '--tun-port') tunnel.push(String(count(value(), 'the tunnel port', 65535)));
    else if (option in TUNNEL_CHECKSUM) tunnel.push(TUNNEL_CHECKSUM[option] as string);
    else fail(`unknown ipvsadm-save option ${excerpt(option)}`);
  }
  if (!address) fail('a real server line without -r');
  owner.service.realServers.push({
    address: address.text, ip: address.ip, port: address.port, forward, weight, tunnel: tunnel.length > 0 ? tunnel.join(':') : null, counters: {}, line: r.line, raw: text,
  });
  r.current = owner;
}

// ---- lines ----

function readLine(r: Reader, text: string): void {
  const version = VERSION_LINE.exec(text);
  if (version) {
    r.ipvsVersion ??= version[1] as string;
    r.versionLine = r.line;
    r.view = null;
    return;
  }
  if (CONNECTIONS_LINE.test(text)) {
    r.view = 'connections';
    r.skippedConnections.push({ from: r.line, to: r.line });
    return;
  }
  if (r.view === 'connections' && CONNECTION_ENTRY.test(text)) {
    (r.skippedConnections[r.skippedConnections.length - 1] as { to: number }).to = r.line;
    return;
  }
  const title = TITLE_LINE.exec(text);
  if (title) return readTitle(r, title[1]);
  const destTitle = DEST_TITLE_LINE.exec(text);
  if (destTitle) return readDestTitle(r, destTitle[1]);
  if (SAVE_LINE.test(text)) {
    const tokens = text.split(/\s+/);
    return tokens[0] === '-A' ? readSavedService(r, tokens, text) : readSavedServer(r, tokens, text);
  }
  if (SERVICE_LINE.test(text)) return readServiceLine(r, text);
  if (DEST_LINE.test(text)) return readDestLine(r, text);
  fail('not a line ipvsadm prints');
}

/** The service a cut line belongs to: what its listing of that service lacks is unknown. */
function cutShort(r: Reader, text: string): void {
  const message = 'the input ends in the middle of this line (no newline after it): the listing looks cut';
  if (!r.options.allowTruncated) throw new InputError(`${message}; pass --allow-truncated to diff what is there`, r.options.source, r.line);
  // What is left of a real server line (`->…`, `-a…`, or just `-`) may have been a line of the current service.
  const continues = text.startsWith('-') && !text.startsWith('-A');
  r.cut = { line: r.line, service: continues ? r.current : null };
  r.warn(`${message}; ${r.cut.service ? `the line and ${r.cut.service.service.name}, which it is part of, are` : 'the line is'} left out`);
}

// ---- merging listings of one table ----

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function conflict(source: string, first: Listed, again: Listed, what: string): never {
  throw new InputError(
    `${first.service.name} is listed again here (first on line ${first.service.line}) with ${what}: listings taken at different times? Compare them one by one`,
    source,
    again.service.line,
  );
}

/** The same table listed twice in different views (`-Ln`, then `--stats`): one service, what each view shows. */
function merge(source: string, first: Listed, again: Listed): void {
  const a = first.service;
  const b = again.service;
  if (first.format === again.format) {
    throw new InputError(`${a.name} is listed a second time in \`${again.format}\` form (first on line ${a.line}): several listings in one file? Compare them one by one`, source, b.line);
  }
  if (a.scheduling && b.scheduling && !sameJson(a.scheduling, b.scheduling)) conflict(source, first, again, 'other scheduling');
  const addresses = (s: VirtualService): string => s.realServers.map((x) => x.address).sort().join(' ');
  if (addresses(a) !== addresses(b)) conflict(source, first, again, 'other real servers');
  a.scheduling ??= b.scheduling;
  Object.assign(a.counters, b.counters);
  for (const server of a.realServers) {
    const other = b.realServers.find((x) => x.address === server.address) as RealServer;
    for (const field of ['forward', 'weight', 'tunnel'] as const) {
      if (server[field] !== null && other[field] !== null && server[field] !== other[field]) conflict(source, first, again, `another ${field} for ${server.address}`);
    }
    server.forward ??= other.forward;
    server.weight ??= other.weight;
    server.tunnel ??= other.tunnel;
    Object.assign(server.counters, other.counters);
  }
}

function services(r: Reader): VirtualService[] {
  const byName = new Map<string, Listed>();
  for (const l of r.listed) {
    if (r.cut?.service === l) continue;
    const first = byName.get(l.service.name);
    if (first) merge(r.options.source, first, l);
    else byName.set(l.service.name, l);
  }
  const list = [...byName.values()].map((l) => l.service);
  for (const s of list) s.realServers.sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
  return list.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

function partial(r: Reader): IpvsDump['partial'] {
  if (r.cut) return { kind: 'cut-short', reason: 'is cut short (read as far as it goes, --allow-truncated): what it does not hold is not compared' };
  if (r.listings.some((l) => !l.hasVersion && l.services === 1)) {
    return {
      kind: 'one-service',
      reason: 'lists one virtual service without the `IP Virtual Server version` line (`ipvsadm -L -t|-u|-f SERVICE`, or a paste that lost its first line): the services and entry points it does not show are not compared',
    };
  }
  return null;
}

function finish(r: Reader): IpvsDump {
  for (const c of r.skippedConnections) r.warn(`lines ${c.from}–${c.to}: ipvsadm's connection listing (-c) is runtime state, not configuration; skipped`, c.from);
  const list = services(r);
  const bad = r.badLines[0];
  if (list.length === 0 && !r.sawTitle) {
    if (r.skippedConnections.length > 0 && !bad) throw new InputError("holds only ipvsadm's connection listing (-c), which shows connections, not virtual services: capture `ipvsadm -Ln`", r.options.source);
    if (bad) throw new InputError(`${bad.reason}; no ipvsadm virtual services found`, r.options.source, bad.line);
    throw new InputError('no ipvsadm virtual services found', r.options.source);
  }
  if (bad && r.badLines.length > r.goodLines) {
    throw new InputError(`${bad.reason} (and ${r.badLines.length - 1} more lines like it): this does not look like ipvsadm output`, r.options.source, bad.line);
  }
  const formats = [...r.formats];
  return {
    source: r.options.source,
    format: formats[0] ?? 'ipvsadm -Ln',
    formats,
    ipvsVersion: r.ipvsVersion,
    services: list,
    shows: { scheduling: list.every((s) => s.scheduling !== null), weights: list.every((s) => s.realServers.every((x) => x.weight !== null)) },
    partial: partial(r),
    ruleset: ipvsRuleset(list),
    warnings: r.warnings,
  };
}

/** Reads ipvsadm output; bad lines are warnings, input that is not ipvsadm output an InputError. */
export function readIpvs(text: string, options: ReadOptions): IpvsDump {
  const r = new Reader(options);
  const firstLine = options.firstLine ?? 1;
  let pos = 0;
  for (let index = 0; pos <= text.length; index++) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    r.line = firstLine + index;
    if (end - pos > MAX_LINE_LENGTH) throw new InputError(`line is ${end - pos} characters long (the limit is ${MAX_LINE_LENGTH}); this is not ipvsadm output`, options.source, r.line);
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (line === '') continue;
    if (end === text.length) {
      cutShort(r, line);
      break;
    }
    try {
      readLine(r, line);
      r.goodLines++;
    } catch (e) {
      if (e instanceof InputError) throw e.source ? e : new InputError(e.reason, options.source, r.line);
      if (!(e instanceof LineError)) throw e;
      r.badLines.push({ line: r.line, reason: e.message });
      r.warn(`${e.message}: ${excerpt(line)}`);
    }
    r.lastContentLine = r.line;
  }
  return finish(r);
}
