/** One `[!] --option value…` argument group of a match or target, as parsed from a rule line. */
export interface Option {
  name: string;
  values: string[];
  negated: boolean;
}

/** Hex form iptables-save uses for 32-bit marks and masks; null when not a number. */
export function hex32(text: string): string | null {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return null;
  return `0x${n.toString(16)}`;
}

export function opt(name: string, values: string[], negated = false): Option {
  return { name, values, negated };
}

export function byName(a: Option, b: Option): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
