/**
 * What kube-proxy's rule comments say: the service port a rule is about (`ns/name:port`), and the
 * rule's role (`cluster IP`, `loadbalancer IP`, `-> 10.0.0.1:80`, `has no endpoints`…).
 */
const COMMENT_SUFFIXES: [string, string][] = [
  [' cluster IP', 'cluster'],
  [' external IP', 'external'],
  [' loadbalancer IP', 'lb'],
  [' has no local endpoints', 'no-local'],
  [' has no endpoints', 'none'],
  [' health check node port', 'health'],
];

/** The service port name a kube-proxy comment is about, and what the comment says of it. */
export function parseComment(comment: string | null): { spn: string; role: string } | null {
  if (!comment) return null;
  // Indexed: an iterator and an entry a step, until the loop is optimized (a first pass reads a comment per port).
  for (let k = 0; k < COMMENT_SUFFIXES.length; k++) {
    const suffix = COMMENT_SUFFIXES[k] as [string, string];
    if (comment.endsWith(suffix[0])) return spnOrNull(comment.slice(0, -suffix[0].length), suffix[1]);
  }
  const arrow = comment.indexOf(' -> ');
  if (arrow > 0) return spnOrNull(comment.slice(0, arrow), 'endpoint');
  const balancing = /^Balancing rule \d+ for (.+)$/.exec(comment);
  if (balancing) return spnOrNull(balancing[1] as string, 'endpoint');
  const ext = /^(?:masquerade |pod |masquerade LOCAL |route LOCAL )traffic for (\S+) (?:external destinations|LB IP(?: to service chain)?)$/.exec(comment);
  if (ext) return spnOrNull(ext[1] as string, 'external-policy');
  return spnOrNull(comment, 'plain');
}

function spnOrNull(text: string, role: string): { spn: string; role: string } | null {
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[^\s/]+$/i.test(text) ? { spn: text, role } : null;
}

export function endpointFromComment(comment: string | null): string | null {
  if (!comment) return null;
  const arrow = comment.indexOf(' -> ');
  return arrow > 0 ? comment.slice(arrow + 4) : null;
}

/** `ns/name:` (how kube-proxy <= 1.18 names an unnamed port) and `ns/name` are the same port. */
export function displaySpn(spn: string): string {
  return spn.endsWith(':') ? spn.slice(0, -1) : spn;
}

