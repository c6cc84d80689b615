/**
 * How kube-proxy ends its chains, whatever the release: a service chain with the jump to its last
 * endpoint (no probability), an endpoint chain with its DNAT, KUBE-SERVICES with the jump to
 * KUBE-NODEPORTS ("this must be the last rule in this chain"). A listing that ends inside one of
 * them before that rule was cut there; a KUBE-SERVICES without it anywhere is part of the chain.
 */
import type { IptablesRule } from './rule';

const SERVICE_CHAIN = /^KUBE-(?:SVC|SVL)-/;
const DISPATCHED_CHAIN = /^KUBE-(?:SVC|EXT|FW|XLB)-/;

/** The rule kube-proxy ends this chain with, when its last rule here is not that one; null otherwise. */
export function missingEnd(chain: string, rules: readonly IptablesRule[]): string | null {
  const last = rules[rules.length - 1];
  if (!last) return null;
  if (SERVICE_CHAIN.test(chain)) {
    const endsWithEndpoint = last.facts.target?.startsWith('KUBE-SEP-') === true && last.facts.probability === null && last.facts.recent === null;
    return endsWithEndpoint ? null : 'the jump to its last endpoint (no probability)';
  }
  if (chain.startsWith('KUBE-SEP-')) return last.facts.dnat === null ? 'its DNAT rule' : null;
  if (chain === 'KUBE-SERVICES' && rules.some((r) => DISPATCHED_CHAIN.test(r.facts.target ?? ''))) {
    return last.facts.target === 'KUBE-NODEPORTS' ? null : 'the jump to KUBE-NODEPORTS';
  }
  return null;
}
