/**
 * How numbers read in reports: probabilities in kube-proxy's own notation (`0.25/0.333/0.5`),
 * shares as percentages (`25%`, `33.3%`).
 */

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A rule probability with three decimals, or two significant digits below 0.01: 0.33333333349 → "0.333", 0.0005 → "0.0005". */
export function probability(p: number): string {
  return trimZeros(p > 0 && p < 0.01 ? p.toPrecision(2) : p.toFixed(3));
}

const MAX_LADDER = 6;

/** `0.25/0.333/0.5`; long ladders abbreviated; `—` when there is no probability rule (0 or 1 endpoint). */
export function ladder(ps: readonly number[]): string {
  if (ps.length === 0) return '—';
  if (ps.length <= MAX_LADDER) return ps.map(probability).join('/');
  return `${ps.slice(0, 2).map(probability).join('/')}/…/${ps.slice(-2).map(probability).join('/')} (${ps.length} rules)`;
}

/** 0.25 → "25%", 1/3 → "33.3%", 0.025 → "2.5%", 0.0004 → "0.04%". */
export function percent(share: number): string {
  const pct = share * 100;
  if (pct > 0 && pct < 0.1) return `${trimZeros(pct.toPrecision(2))}%`;
  const rounded = Math.round(pct * 10) / 10;
  return Number.isInteger(rounded) ? `${rounded}%` : `${rounded.toFixed(1)}%`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
