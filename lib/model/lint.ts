/**
 * What `natdiff check` finds wrong in one snapshot, whatever its mode: a finding names what is
 * wrong by a stable id, how bad it is, and where (a chain and a line, when it is one place).
 * Readers say what their rules show (Snapshot.lint); lib/check adds what the service model shows.
 */

/** Every finding id, stable: scripts match on them (README, "natdiff check"). */
export const LINT_IDS = [
  'dangling-jump',
  'orphan-chain',
  'unequal-shares',
  'bad-probabilities',
  'hash-mismatch',
  'duplicate-endpoint',
  'no-endpoints-no-reject',
  'no-comments',
  'dual-backend',
  'all-draining',
] as const;

export type LintId = (typeof LINT_IDS)[number];

export type Severity = 'error' | 'warning' | 'info';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * How bad each finding is. Errors: a dump the kernel would refuse (`dangling-jump`), or traffic
 * not spread as kube-proxy intends (`unequal-shares`, `bad-probabilities`) or not by the rules
 * kube-proxy names (`hash-mismatch`). Warnings: what kube-proxy leaves for a while or what merits a
 * look (`orphan-chain` between syncs, a `duplicate-endpoint`, a port that neither routes nor
 * refuses, both iptables back ends holding rules). `no-comments` is a warning, but information
 * above 1000 endpoints, where kube-proxy drops them on purpose; `all-draining` is information.
 */
export const DEFAULT_SEVERITY: Readonly<Record<LintId, Severity>> = {
  'dangling-jump': 'error',
  'orphan-chain': 'warning',
  'unequal-shares': 'error',
  'bad-probabilities': 'error',
  'hash-mismatch': 'error',
  'duplicate-endpoint': 'warning',
  'no-endpoints-no-reject': 'warning',
  'no-comments': 'warning',
  'dual-backend': 'warning',
  'all-draining': 'info',
};

export interface LintFinding {
  id: LintId;
  severity: Severity;
  /** The chain (nftables: chain, set or map; IPVS: virtual service) it is about, or null. */
  chain: string | null;
  /** 1-based line in the input, or null. */
  line: number | null;
  message: string;
}

/** A finding with its id's severity unless one is given. */
export function lintFinding(id: LintId, chain: string | null, line: number | null, message: string, severity: Severity = DEFAULT_SEVERITY[id]): LintFinding {
  return { id, severity, chain, line, message };
}
