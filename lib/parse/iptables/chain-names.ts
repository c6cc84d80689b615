import { hash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first `length` characters of RFC 4648 base32 (Go's base32.StdEncoding alphabet) of `bytes`. */
function base32Prefix(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; out.length < length; ) {
    if (bits < 5) {
      buffer = ((buffer << 8) | (bytes[i++] ?? 0)) & 0xffff;
      bits += 8;
    }
    bits -= 5;
    out += BASE32_ALPHABET[(buffer >>> bits) & 31];
  }
  return out;
}

/** kube-proxy's 16-character chain suffix: base32(sha256(input))[:16] (16 characters are 10 bytes). */
export function chainHash(input: string): string {
  return base32Prefix(hash('sha256', input, 'buffer'), 16);
}

// Service port names are hashed again for every chain of the service, in both dumps of a diff.
const servicePortHashes = new Map<string, string>();
const CACHE_LIMIT = 100_000;

/** The suffix shared by KUBE-SVC/SVL/EXT/FW/XLB chains of one service port. */
export function servicePortHash(servicePortName: string, protocol: string): string {
  const input = servicePortName + protocol.toLowerCase();
  let h = servicePortHashes.get(input);
  if (h === undefined) {
    h = chainHash(input);
    if (servicePortHashes.size >= CACHE_LIMIT) servicePortHashes.clear();
    servicePortHashes.set(input, h);
  }
  return h;
}

/** The suffix of a KUBE-SEP chain; `endpoint` is `ip:port` or `[ipv6]:port`. */
export function endpointHash(servicePortName: string, protocol: string, endpoint: string): string {
  return chainHash(servicePortName + protocol.toLowerCase() + endpoint);
}
