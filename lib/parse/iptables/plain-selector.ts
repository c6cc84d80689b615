/**
 * What a dispatch rule line selects, read from its text when it is written as kube-proxy writes
 * one (`-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "…" -m udp --dport 53
 * -j KUBE-SVC-…`, or without `-d` in KUBE-NODEPORTS) and in canonical spelling only, so that two
 * lines select alike exactly when the parser's selectors (Rule.selector) are equal. Any other
 * line is not plain (null): the first pass then reads it as every other rule.
 */

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const PORT = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d\\d|655[0-2]\\d|6553[0-5])';
/** How iptables-save prints kube-proxy's dispatch rules (base options first, then each module's). */
const PLAIN = new RegExp(`^(?:-d (${OCTET}(?:\\.${OCTET}){3}/32) )?-p (tcp|udp|sctp) (?:-m comment --comment "([^"\\\\]*)" )?-m \\2 --dport (${PORT}) -j [^ "]+$`);

/** A plain dispatch rule: what it selects (`protocol|port|address`, the address empty when it has no `-d`) and its comment. */
export interface PlainRule {
  selector: string;
  comment: string | null;
}

/** A rule line (the rule after `-A CHAIN `) read as plain, or null when it is not. */
export function readPlainRule(line: string): PlainRule | null {
  const m = PLAIN.exec(line);
  // Joined, not concatenated: a concatenation would hold the address it reads, a slice of the line,
  // and with it the whole line, for as long as the selector is held (a first pass holds a chain's).
  return m ? { selector: [m[2], m[4], m[1] ?? ''].join('|'), comment: m[3] ?? null } : null;
}

/** Whether a rule line names no protocol (so the parser reads its selector as taking any packet: a wildcard). */
export function namesNoProtocol(line: string): boolean {
  return !line.includes(' -p ') && !line.includes(' --protocol ') && !line.startsWith('-p ') && !line.startsWith('--protocol ');
}

/** The protocol and port of a plain selector: rules of one protocol and port with no address overlap every address. */
export function portOfSelector(selector: string): string {
  return selector.slice(0, selector.lastIndexOf('|'));
}
