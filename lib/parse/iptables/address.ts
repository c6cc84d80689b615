/**
 * Addresses as iptables-save prints them: host bits masked off, an explicit prefix length
 * (`10.96.0.1` = `10.96.0.1/32`, `10.1.2.3/255.255.0.0` = `10.1.0.0/16`), IPv6 in RFC 5952 form.
 */
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

/** An IPv4 address as a 32-bit number, or null when the text is not one. */
export function parseIPv4(s: string): number | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + part;
}

function formatIPv4(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

function maskToPrefix4(mask: string): number | null {
  const n = parseIPv4(mask);
  if (n === null) return null;
  let prefix = 0;
  for (let bit = 31; bit >= 0; bit--) {
    if (Math.floor(n / 2 ** bit) % 2 === 1) prefix++;
    else break;
  }
  // A non-contiguous mask is legal in iptables but has no prefix form: keep it as written.
  return n === (prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix)) ? prefix : null;
}

const LEADING_ZERO = /(?:^|\.)0\d/;

function cidr4(text: string, addr: string, prefixText: string | null): string | null {
  const ip = parseIPv4(addr);
  if (ip === null) return null;
  let prefix = 32;
  if (prefixText !== null) {
    if (/^\d{1,2}$/.test(prefixText)) prefix = Number(prefixText);
    else {
      const p = maskToPrefix4(prefixText);
      if (p === null) return null;
      prefix = p;
    }
    if (prefix > 32) return null;
  }
  if (prefix === 32) {
    if (LEADING_ZERO.test(addr)) return `${formatIPv4(ip)}/32`;
    return prefixText === '32' ? text : `${addr}/32`;
  }
  const size = 2 ** (32 - prefix);
  return `${formatIPv4(ip - (ip % size))}/${prefix}`;
}

function cidr6(addr: string, prefixText: string | null): string | null {
  if (!ipaddr.IPv6.isValid(addr)) return null;
  let prefix = 128;
  if (prefixText !== null) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > 128) return null;
  }
  const ip = ipaddr.IPv6.parse(addr);
  const parts = ip.parts.slice();
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefix - i * 16));
    parts[i] = (parts[i] as number) & (keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff);
  }
  return `${new ipaddr.IPv6(parts).toRFC5952String()}/${prefix}`;
}

const cidr6Cache = new Map<string, string | null>();

/**
 * A `-s`/`-d` argument in canonical form (`10.96.0.1/32`, `fd00::/64`), or null when it is not an
 * address (a hostname, an edit). Runs for most rules of a dump: IPv4 takes no detour.
 */
export function normalizeCidr(text: string): string | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const prefix = slash < 0 ? null : text.slice(slash + 1);
  if (!addr.includes(':')) return cidr4(text, addr, prefix);
  let result = cidr6Cache.get(text);
  if (result === undefined) {
    result = cidr6(addr, prefix);
    if (cidr6Cache.size > 100_000) cidr6Cache.clear();
    cidr6Cache.set(text, result);
  }
  return result;
}

/** A canonical one-address network (`/32`, `/128`) as its address; other networks as they are. */
export function hostOf(cidr: string): string {
  return cidr.replace(/\/(?:32|128)$/, '');
}

export function familyOf(address: string): Family {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** A bare IP address in canonical form (no prefix), or null. */
export function normalizeIp(text: string): { text: string; family: Family } | null {
  const c = text.includes('/') ? null : normalizeCidr(text);
  return c ? { text: c.slice(0, c.indexOf('/')), family: familyOf(c) } : null;
}

export interface HostPort {
  /** `ip:port` / `[ipv6]:port`, or just the address when no port is given. */
  text: string;
  ip: string;
  port: number | null;
  family: Family;
}

/**
 * A DNAT/SNAT `--to-destination` value (`10.0.0.1:80`, `[fd00::1]:53`, `10.0.0.1`). Ranges
 * (`a-b`, `p1-p2`) are kept as written after normalising each address; null when it is not valid.
 */
export function normalizeHostPort(text: string): HostPort | null {
  // The common case, `10.244.0.5:53` as written: check it without building anything new.
  const colon = text.indexOf(':');
  if (colon > 0 && text.indexOf(':', colon + 1) < 0 && !text.startsWith('[')) {
    const addr = text.slice(0, colon);
    const port = text.slice(colon + 1);
    if (parseIPv4(addr) !== null && !LEADING_ZERO.test(addr) && /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535) {
      return { text, ip: addr, port: Number(port), family: 'ipv4' };
    }
  }
  let host: string;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) {
      host = text; // bare IPv6 without port
    } else if (colons === 1) {
      host = text.slice(0, text.indexOf(':'));
      portText = text.slice(text.indexOf(':') + 1);
    } else {
      host = text;
    }
  }
  const ip = normalizeIp(host);
  if (!ip) return null;
  if (portText === null) return { text: ip.text, ip: ip.text, port: null, family: ip.family };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  const hostText = ip.family === 'ipv6' ? `[${ip.text}]` : ip.text;
  return { text: `${hostText}:${port}`, ip: ip.text, port, family: ip.family };
}
