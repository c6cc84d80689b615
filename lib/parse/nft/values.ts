/**
 * Literals and durations in canonical form, so that one value has one spelling whether nft
 * printed it as text (`0x00004000`, `10.0.0.1/32`, `3h`) or as JSON (`16384`, `10.0.0.1`, `10800`).
 */
import { normalizeCidr } from '../iptables/address';

const HEX = /^0x[0-9a-f]+$/i;
const DECIMAL = /^\d+$/;
const LOOKS_LIKE_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*)(?:\/\d{1,3})?$/i;

function canonicalAtom(text: string): string | null {
  if (HEX.test(text) || DECIMAL.test(text)) return BigInt(text).toString();
  if (!LOOKS_LIKE_ADDRESS.test(text)) return null;
  const cidr = normalizeCidr(text);
  if (cidr === null) return null;
  return cidr.endsWith('/32') && !cidr.includes(':') ? cidr.slice(0, -3) : cidr.endsWith('/128') ? cidr.slice(0, -4) : cidr;
}

/** A literal as one spelling: numbers in decimal, addresses and prefixes normalised, ranges side by side. */
export function canonicalLiteral(text: string): string {
  const atom = canonicalAtom(text);
  if (atom !== null) return atom;
  const dash = text.indexOf('-');
  if (dash > 0 && text.indexOf('-', dash + 1) < 0) {
    const from = canonicalAtom(text.slice(0, dash));
    const to = canonicalAtom(text.slice(dash + 1));
    if (from !== null && to !== null) return `${from}-${to}`;
  }
  return text;
}

/** Whether a canonical literal is a plain integer. */
export function isInteger(text: string): boolean {
  return DECIMAL.test(text);
}

const UNITS: [string, number][] = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

/** nft's `1d2h3m4s500ms` (or a bare number of seconds) as seconds; null when it is not one. */
export function parseDuration(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') return null;
  const [, d, h, min, s, ms] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0) + Number(ms ?? 0) / 1000;
}

/** Seconds as nft prints them: `3h`, `1d2h`, `90s` → `1m30s`. */
export function formatDuration(seconds: number): string {
  let rest = Math.floor(seconds);
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  const ms = Math.round((seconds - Math.floor(seconds)) * 1000);
  if (ms > 0) out += `${ms}ms`;
  return out === '' ? '0s' : out;
}
