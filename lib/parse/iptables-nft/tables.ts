/**
 * Which tables of an nft listing iptables-nft manages, and so are this reader's: `ip` and `ip6`
 * tables named as iptables' tables. kube-proxy's nftables-mode table, a host firewall and any
 * other table are left out, with a warning saying where they are read.
 */
import { sanitizeLine } from '../../sanitize';
import type { NftTable } from '../nft/dump';

/** The tables iptables (and ip6tables) has, as iptables-nft names them in nft. */
export const IPTABLES_TABLES: ReadonlySet<string> = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

export const KUBE_PROXY_TABLE = 'kube-proxy';

function isIpFamily(family: string): family is 'ip' | 'ip6' {
  return family === 'ip' || family === 'ip6';
}

export function isIptablesNftTable(t: Pick<NftTable, 'family' | 'name'>): boolean {
  return isIpFamily(t.family) && IPTABLES_TABLES.has(t.name);
}

export function isKubeProxyNftTable(t: Pick<NftTable, 'family' | 'name'>): boolean {
  return isIpFamily(t.family) && t.name === KUBE_PROXY_TABLE;
}

export interface TableChoice {
  /** The iptables-nft tables of one family: IPv4 when the listing has any. */
  tables: NftTable[];
  family: 'ipv4' | 'ipv6';
  /** What was left out and why, one message each. */
  leftOut: string[];
}

function names(tables: NftTable[]): string {
  return tables.map((t) => `${sanitizeLine(t.family)} ${sanitizeLine(t.name)}`).join(', ');
}

/** The tables this reader reads; null when the listing has no iptables-nft table. */
export function chooseTables(all: NftTable[]): TableChoice | null {
  const managed = all.filter(isIptablesNftTable);
  if (managed.length === 0) return null;
  const ipv4 = managed.some((t) => t.family === 'ip');
  const tables = managed.filter((t) => t.family === (ipv4 ? 'ip' : 'ip6'));
  const leftOut: string[] = [];
  const otherFamily = managed.filter((t) => !tables.includes(t));
  if (otherFamily.length > 0) {
    leftOut.push(`holds IPv6 iptables-nft tables too (${names(otherFamily)}): the IPv4 ones are read; list the IPv6 ones alone (\`nft list table ip6 nat\`) to compare them`);
  }
  const kubeProxy = all.filter(isKubeProxyNftTable);
  if (kubeProxy.length > 0) {
    leftOut.push(`holds kube-proxy's nftables-mode table (${names(kubeProxy)}) beside the iptables-nft tables: it is left out here; natdiff's nftables reader reads it (\`nft list table ip kube-proxy\`)`);
  }
  const others = all.filter((t) => !isIptablesNftTable(t) && !isKubeProxyNftTable(t));
  if (others.length > 0) leftOut.push(`holds nft tables iptables-nft does not manage (${names(others)}): left out`);
  return { tables, family: ipv4 ? 'ipv4' : 'ipv6', leftOut };
}
