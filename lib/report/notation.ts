/**
 * How numbers read in reports: probabilities in kube-proxy's own notation (`0.25/0.333/0.5`),
 * shares as percentages (`25%`, `33.3%`).
 */

/** A rule probability with at most three decimals: 0.33333333349 → "0.333", 0.5 → "0.5". */
export function probability(p: number): string {
  const fixed = p.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '0' && p > 0 ? p.toPrecision(2) : fixed;
}

const MAX_LADDER = 6;

/** `0.25/0.333/0.5`; long ladders abbreviated; `—` when there is no probability rule (0 or 1 endpoint). */
export function ladder(ps: readonly number[]): string {
  if (ps.length === 0) return '—';
  if (ps.length <= MAX_LADDER) return ps.map(probability).join('/');
  return `${ps.slice(0, 2).map(probability).join('/')}/…/${ps.slice(-2).map(probability).join('/')} (${ps.length} rules)`;
}

/** 0.25 → "25%", 1/3 → "33.3%", 0.025 → "2.5%". */
export function percent(share: number): string {
  const pct = share * 100;
  const rounded = Math.round(pct * 10) / 10;
  if (Number.isInteger(rounded)) return `${rounded}%`;
  return rounded === 0 && pct > 0 ? `${pct.toPrecision(2)}%` : `${rounded.toFixed(1)}%`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
