/** Addresses as ipvsadm prints them with `-n`: `10.96.0.10:53`, `[fd00::a]:53` (port 0: any port). */
import { joinHostPort } from '../../model/addresses';
import { normalizeIp, type Family } from '../iptables/address';

export interface IpPort {
  /** Canonical `ip:port` / `[ipv6]:port`. */
  text: string;
  ip: string;
  port: number;
  family: Family;
}

/** `ip:port` or `[ipv6]:port` with numeric parts, or null (a host or service name: `-L` without `-n`). */
export function parseIpPort(text: string): IpPort | null {
  let host: string;
  let port: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return null;
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.indexOf(':');
    if (colon < 0 || text.indexOf(':', colon + 1) >= 0) return null;
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return null;
  const ip = normalizeIp(host);
  if (!ip || (ip.family === 'ipv6') !== text.startsWith('[')) return null;
  return { text: joinHostPort(ip.text, Number(port)), ip: ip.text, port: Number(port), family: ip.family };
}

/** The node's own loopback: old kube-proxy versions put NodePort virtual services on it. */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}
