/** Port arguments as iptables-save prints them: decimal, ranges `lo:hi`, no redundant bounds. */
function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function portNumber(text: string): number | null {
  if (isDigits(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  return null;
}

/** `--dport 0x35` = `53`, `:1024` = `0:1024`, `80:80` = `80`; service names are kept as written. */
export function normalizePortSpec(text: string): string {
  const colon = text.indexOf(':');
  if (colon < 0) {
    if (isDigits(text) && text.charCodeAt(0) !== 48) return text; // already as iptables-save prints it
    const n = portNumber(text);
    return n === null ? text : String(n);
  }
  const lo = colon === 0 ? 0 : portNumber(text.slice(0, colon));
  const hi = colon === text.length - 1 ? 65535 : portNumber(text.slice(colon + 1));
  if (lo === null || hi === null) return text;
  return lo === hi ? String(lo) : `${lo}:${hi}`;
}

function lowerBound(spec: string): number {
  const n = Number.parseInt(spec, 10);
  return Number.isNaN(n) ? Number.MAX_SAFE_INTEGER : n;
}

/** A multiport list is a set: each element normalised, sorted by port. */
export function normalizePortList(text: string): string {
  return text
    .split(',')
    .map((p) => normalizePortSpec(p))
    .sort((a, b) => lowerBound(a) - lowerBound(b) || (a < b ? -1 : a > b ? 1 : 0))
    .join(',');
}

