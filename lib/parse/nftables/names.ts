/**
 * kube-proxy's nftables object names: `service-HASH-ns/name/proto/portname`, `local-…`,
 * `external-…`, `firewall-…`, `endpoint-HASH-ns/name/proto/portname__IP/PORT`, `affinity-…`,
 * where HASH is base32(sha256(the rest))[:8]. Names are read for the service port they carry and
 * checked; what a chain does is decided by its rules and what reaches it, never by its prefix.
 */
import { joinHostPort } from '../../model/addresses';
import { servicePortName, type Protocol } from '../../model/service';
import { chainHash } from '../iptables/chain-names';
import { normalizeIp } from '../iptables/address';

export type NamePrefix = 'service' | 'local' | 'external' | 'firewall' | 'endpoint' | 'affinity';

export interface KubeName {
  prefix: NamePrefix;
  hash: string;
  /** The service port part, `ns/name/proto/portname`; null when the name was cut (`...`). */
  serviceBase: string | null;
  /** `ns/name:portname` (`ns/name` for an unnamed port). */
  spn: string | null;
  protocol: Protocol | null;
  /** For endpoint and affinity names: `ip:port` (`[ipv6]:port`). */
  endpoint: string | null;
}

const NAME = /^(service|local|external|firewall|endpoint|affinity)-([A-Z2-7]{8})-(.+)$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** kube-proxy cuts names longer than its limit (112 in 1.29, 240 later) to limit-3 characters and `...`. */
const NAME_LIMITS = [112, 240];

/** base32(sha256(s))[:8], as kube-proxy's nftables proxier hashes names. */
export function nameHash(base: string): string {
  return chainHash(base).slice(0, 8);
}

/** `10.244.1.2/53` → `10.244.1.2:53`; IPv6 is written with dots for colons (`fd00.10.244.1..2/53`). */
function endpointFromName(text: string): string | null {
  const slash = text.lastIndexOf('/');
  const port = text.slice(slash + 1);
  if (slash < 0 || !/^\d{1,5}$/.test(port)) return null;
  const written = text.slice(0, slash);
  const ip = normalizeIp(written) ?? normalizeIp(written.replaceAll('.', ':'));
  return ip ? joinHostPort(ip.text, Number(port)) : null;
}

export function parseKubeName(name: string): KubeName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const prefix = m[1] as NamePrefix;
  const rest = m[3] as string;
  const cut = rest.endsWith('...');
  const perEndpoint = prefix === 'endpoint' || prefix === 'affinity';
  const split = perEndpoint ? rest.lastIndexOf('__') : -1;
  const serviceText = perEndpoint ? (split < 0 ? null : rest.slice(0, split)) : rest;
  const parts = serviceText === null || (cut && !perEndpoint) ? null : serviceText.split('/');
  const [ns, svc, protocol, portName] = parts ?? [];
  const valid = parts?.length === 4 && ns !== '' && svc !== '' && PROTOCOLS.has(protocol as string);
  return {
    prefix,
    hash: m[2] as string,
    serviceBase: valid ? (serviceText as string) : null,
    spn: valid ? servicePortName(ns as string, svc as string, portName || undefined) : null,
    protocol: valid ? (protocol as Protocol) : null,
    endpoint: perEndpoint && split >= 0 && !cut ? endpointFromName(rest.slice(split + 2)) : null,
  };
}

/** `ns/name:port` + protocol → `ns/name/proto/port` (the unnamed port `ns/name` → `ns/name/proto/`). */
export function serviceBase(spn: string, protocol: string): string {
  const colon = spn.indexOf(':');
  const service = colon < 0 ? spn : spn.slice(0, colon);
  const portName = colon < 0 ? '' : spn.slice(colon + 1);
  return `${service}/${protocol}/${portName}`;
}

/** The name kube-proxy gives an endpoint's chain (and, with `affinity`, its affinity set). */
export function endpointName(prefix: 'endpoint' | 'affinity', spn: string, protocol: string, address: string): string {
  const bracket = address.startsWith('[');
  const ip = bracket ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
  const port = address.slice(address.lastIndexOf(':') + 1);
  const base = `${serviceBase(spn, protocol)}__${ip.replaceAll(':', '.')}/${port}`;
  return `${prefix}-${nameHash(base)}-${base}`;
}

/** Whether `actual` is the name `full` as kube-proxy writes it (whole, or cut at one of its limits). */
export function sameKubeName(actual: string, full: string): boolean {
  if (actual === full) return true;
  return actual.endsWith('...') && NAME_LIMITS.includes(actual.length) && full.startsWith(actual.slice(0, -3));
}

/** Whether the name's hash is the hash of the rest of it. */
export function hashMatches(name: KubeName, chain: string): boolean {
  const rest = chain.slice(name.prefix.length + 10);
  return rest.endsWith('...') || nameHash(rest) === name.hash;
}
