import { hash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (the alphabet Go's base32.StdEncoding uses), without padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 1_000_000;

/** kube-proxy's 16-character chain suffix: base32(sha256(input))[:16] (16 characters are 10 bytes). */
export function chainHash(input: string): string {
  let h = cache.get(input);
  if (h === undefined) {
    h = base32(Buffer.from(hash('sha256', input, 'hex').slice(0, 20), 'hex')).slice(0, 16);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(input, h);
  }
  return h;
}

/** The suffix shared by KUBE-SVC/SVL/EXT/FW/XLB chains of one service port. */
export function servicePortHash(servicePortName: string, protocol: string): string {
  return chainHash(servicePortName + protocol.toLowerCase());
}

/** The suffix of a KUBE-SEP chain; `endpoint` is `ip:port` or `[ipv6]:port`. */
export function endpointHash(servicePortName: string, protocol: string, endpoint: string): string {
  return chainHash(servicePortName + protocol.toLowerCase() + endpoint);
}
