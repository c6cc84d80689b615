import { hash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The value of a lowercase hex digit's character code. */
function nibble(code: number): number {
  return code <= 57 /* 9 */ ? code - 48 : code - 87;
}

/** The first `length` characters of RFC 4648 base32 (Go's base32.StdEncoding alphabet) of the bytes `hex` spells. */
function base32Prefix(hex: string, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; out.length < length; ) {
    if (bits < 5) {
      buffer = ((buffer << 8) | (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1))) & 0xffff;
      i += 2;
      bits += 8;
    }
    bits -= 5;
    out += BASE32_ALPHABET[(buffer >>> bits) & 31];
  }
  return out;
}

/**
 * kube-proxy's 16-character chain suffix: base32(sha256(input))[:16] (16 characters are 10 bytes).
 * The digest is taken as hex: a Buffer for each costs more than the hash, and a 10k-service diff
 * hashes 400k endpoint chains.
 */
export function chainHash(input: string): string {
  return base32Prefix(hash('sha256', input, 'hex'), 16);
}

/** The suffix shared by KUBE-SVC/SVL/EXT/FW/XLB chains of one service port. */
export function servicePortHash(servicePortName: string, protocol: string): string {
  return chainHash(servicePortName + protocol.toLowerCase());
}

/** The suffix of a KUBE-SEP chain; `endpoint` is `ip:port` or `[ipv6]:port`. */
export function endpointHash(servicePortName: string, protocol: string, endpoint: string): string {
  return chainHash(servicePortName + protocol.toLowerCase() + endpoint);
}
