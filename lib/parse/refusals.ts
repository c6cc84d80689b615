/**
 * Inputs that are not rules natdiff reads, recognised from their first lines and refused with a
 * message that says what they are and what to capture instead.
 */
const SAMPLE_LINES = 200;

const REFUSED: [RegExp, string][] = [
  [/^Name: \S+$/, 'looks like `ipset list` output, not rules'],
  [/^(?:apiVersion|kind):\s/, 'looks like a Kubernetes manifest (YAML), not rules'],
  [/^<(?:!DOCTYPE|html)/i, 'looks like an HTML page, not rules'],
];

/** Why the input is refused, or null when a reader may try it. */
export function refusal(sample: string): string | null {
  let seen = 0;
  let pos = 0;
  while (pos < sample.length && seen < SAMPLE_LINES) {
    let end = sample.indexOf('\n', pos);
    if (end < 0) end = sample.length;
    const line = sample.slice(pos, Math.min(end, pos + 4096)).trim();
    pos = end + 1;
    if (line === '') continue;
    seen++;
    for (const [pattern, message] of REFUSED) if (pattern.test(line)) return message;
    if (seen === 1 && (line.startsWith('{') || line.startsWith('[')) && !/^\[\d+:\d+\]/.test(line)) return 'looks like JSON, but not `nft -j` output of kube-proxy\'s tables';
  }
  return null;
}
