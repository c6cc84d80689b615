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
  'repeated-rule',
  'missing-hook',
  'empty-endpoint',
] as const;

export type LintId = (typeof LINT_IDS)[number];

export type Severity = 'error' | 'warning' | 'info';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * How bad each finding is. Errors: a dump the kernel would refuse (`dangling-jump`), traffic not
 * spread as kube-proxy intends (`unequal-shares`, `bad-probabilities`) or not by the rules
 * kube-proxy names (`hash-mismatch`), or never reaching its rules (`missing-hook`). Warnings: what
 * kube-proxy leaves for a while or what merits a look (`orphan-chain` between syncs, a
 * `duplicate-endpoint`, a port that neither routes nor refuses, both iptables back ends holding
 * rules), and what a dump pasted together shows as well as a broken node: a `repeated-rule` (a
 * repeat below the rule that takes all remaining traffic changes no share; one above it is
 * `unequal-shares` as well) and an `empty-endpoint` (a paste cut there). `no-comments` is a
 * warning, but information above 1000 endpoints, where kube-proxy drops them on purpose;
 * `all-draining` is information.
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
  'repeated-rule': 'warning',
  'missing-hook': 'error',
  'empty-endpoint': 'warning',
};

export interface LintFinding {
  id: LintId;
  severity: Severity;
  /** The chain (nftables: chain, set or map; IPVS: virtual service) it is about, or null. */
  chain: string | null;
  /** 1-based line in the input, or null. */
  line: number | null;
  /** The finding on its own (JSON's `message`): what is found, then why it matters. */
  message: string;
  /** What is found, worded to follow its place (`KUBE-SVC-…:51  jumps (-j) to …`): a line of the text report. */
  detail: string;
  /** Why it matters and what to do, alike for the findings of one id: the text report says it once. */
  explanation: string;
}

/** Why traffic not spread as kube-proxy spreads it matters (`unequal-shares`, `bad-probabilities`), and what to do. */
export const NOT_AS_KUBE_PROXY_WRITES = "kube-proxy writes each port's rules so that its endpoints share new connections equally and all of them are taken: these were changed by hand or by another tool; compare with another node's rules (natdiff diff), and restart kube-proxy here to rewrite them";

/** Why a chain whose name is not kube-proxy's hash of what it serves matters (`hash-mismatch`). */
export const NOT_KUBE_PROXYS_NAME = 'kube-proxy names its chains by a hash of what they serve: this one was renamed, redacted, or written by another tool';

/** Why an iptables chain nothing jumps to is there (`orphan-chain`), and what to do. */
export const LEFT_OVER = "kube-proxy deletes a chain it no longer uses at a later sync, so one that stays is left over (a restart, a mode switch, or another writer); if it stays across snapshots, check kube-proxy's log";

/** What a finding says: the whole sentence (naming its chain where that is its subject), the part that follows its place, and why it matters. */
export interface FindingText {
  sentence: string;
  /** Default: the sentence. */
  detail?: string;
  explanation: string;
}

/** A finding with its id's severity unless one is given. */
export function lintFinding(id: LintId, chain: string | null, line: number | null, text: FindingText, severity: Severity = DEFAULT_SEVERITY[id]): LintFinding {
  return { id, severity, chain, line, message: `${text.sentence}: ${text.explanation}`, detail: text.detail ?? text.sentence, explanation: text.explanation };
}

/** `12–14, 20`: line numbers, runs written as ranges. */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    runs.push(j === i ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}
