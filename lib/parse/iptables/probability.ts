/**
 * The statistic match stores a probability as round(p * 2^31) (libxt_statistic.c) and prints it
 * back with "%.11f". Comparing on that grid makes kube-proxy's `0.3333333333` equal to
 * iptables-save's `0.33333333349`, while a real change (5-digit `0.33333`) stays a change.
 */
export const PROBABILITY_SCALE = 0x80000000;

/** The 31-bit fixed-point value iptables stores, or null when the text is not a probability. */
export function probabilityUnits(text: string): number | null {
  const p = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
  return p >= 0 && p <= 1 ? Math.round(p * PROBABILITY_SCALE) : null;
}

/** The probability a grid value stands for. */
export function unitsToProbability(units: number): number {
  return units / PROBABILITY_SCALE;
}

/** How iptables-save prints a grid value. */
export function probabilityText(units: number): string {
  return unitsToProbability(units).toFixed(11);
}
