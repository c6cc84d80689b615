/**
 * The checks on a snapshot's service model, the same for every mode: shares kube-proxy would make
 * equal that are not, probabilities outside (0, 1] or shares adding up to more than all traffic,
 * the same endpoint twice in one list, a port that neither has endpoints nor refuses traffic, and a
 * port whose endpoints are all draining. A ladder that leaves traffic unassigned, or a rule that
 * can never match, the readers find as they read it (ServiceView.findings, translated here).
 */
import { LEFT_OVER, lintFinding, NOT_AS_KUBE_PROXY_WRITES, NOT_KUBE_PROXYS_NAME, type LintFinding, type LintId } from '../model/lint';
import { repeatedRules, type Chain, type Rule, type Ruleset } from '../model/ruleset';
import { displayName, type Endpoint, type ServicePort } from '../model/service';
import type { Finding, FindingKind, ServiceView } from '../model/snapshot';
import { sanitizeLine } from '../sanitize';

/** Shares are equal, or add up to one, within this. */
const SHARE_EPSILON = 1e-6;

/**
 * kube-proxy before 1.17 wrote each probability with 5 decimals (`0.33333`), after with 10: its
 * own "equal" shares differ by what the 5-decimal rounding leaves, which grows with the endpoints.
 */
const OLDEST_DECIMALS = 5;

const tolerances = new Map<number, number>();

/**
 * How far from 1/n kube-proxy's own shares of n endpoints can be: those of a ladder of 1/(n-i)
 * probabilities written with 5 decimals.
 */
function equalTolerance(n: number): number {
  let tolerance = tolerances.get(n);
  if (tolerance !== undefined) return tolerance;
  tolerance = 0;
  let remaining = 1;
  for (let i = 0; i < n; i++) {
    const p = i === n - 1 ? 1 : Number((1 / (n - i)).toFixed(OLDEST_DECIMALS));
    tolerance = Math.max(tolerance, Math.abs(remaining * p - 1 / n));
    remaining -= remaining * p;
  }
  tolerance += SHARE_EPSILON;
  tolerances.set(n, tolerance);
  return tolerance;
}

const VIEW_IDS: Readonly<Record<FindingKind, [LintId, string]>> = {
  'name-mismatch': ['hash-mismatch', NOT_KUBE_PROXYS_NAME],
  'unreachable-rule': ['bad-probabilities', NOT_AS_KUBE_PROXY_WRITES],
  'shares-incomplete': ['bad-probabilities', NOT_AS_KUBE_PROXY_WRITES],
  'stale-chain': ['orphan-chain', LEFT_OVER],
};

/** What each line of the input is: a chain's own line, or one of its rules. */
function placesByLine(ruleset: Ruleset): Map<number, { chain: Chain; rule: Rule | null }> {
  const places = new Map<number, { chain: Chain; rule: Rule | null }>();
  for (const table of ruleset.tables.values()) {
    for (const chain of table.chains.values()) {
      places.set(chain.line, { chain, rule: null });
      for (const rule of chain.rules) places.set(rule.line, { chain, rule });
    }
  }
  return places;
}

/** The message without the chain it starts with (`CHAIN: …`), which the place shows. */
function afterChain(message: string, chain: string | null): string {
  if (chain === null) return message;
  const name = sanitizeLine(chain);
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}

/**
 * What the reader found while reading the model, as check findings, each placed in the chain of
 * its line. A rule that can never match because it repeats one above it is the `repeated-rule`
 * the rules' findings tell of (`repeatedIn`: the chains they name): no share is lost to it.
 */
export function viewFindings(findings: readonly Finding[], ruleset: Ruleset, repeatedIn: ReadonlySet<string>): LintFinding[] {
  if (findings.length === 0) return [];
  const places = placesByLine(ruleset);
  return findings.flatMap((f) => {
    const at = f.line === null ? undefined : places.get(f.line);
    if (f.kind === 'unreachable-rule' && at?.rule && repeatedIn.has(at.chain.name) && repeatedRules(at.chain).has(at.rule)) return [];
    const [id, explanation] = VIEW_IDS[f.kind];
    const chain = at?.chain.name ?? null;
    return [lintFinding(id, chain, f.line, { sentence: f.message, detail: afterChain(f.message, chain), explanation })];
  });
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 4 : 1)}%`;
}

interface Place {
  chain: string | null;
  line: number | null;
}

/** Where a port's list lives: the chain of the role that holds it (svc, or svl/xlb for the local list), and its line. */
function placeOf(port: ServicePort, view: ServiceView, ruleset: Ruleset, local: boolean): Place {
  const roles = local ? ['svl', 'xlb', 'ext'] : ['svc'];
  const chain = port.refs.find((r) => {
    const id = view.chainIdentity(r);
    return id?.kind === 'service' && roles.includes(id.role);
  }) ?? port.refs[0] ?? null;
  if (chain === null) return { chain, line: null };
  for (const table of ruleset.tables.values()) {
    const c = table.chains.get(chain);
    if (c) return { chain, line: c.line };
  }
  return { chain, line: null };
}

function listName(port: ServicePort, local: boolean): string {
  return `${sanitizeLine(displayName(port))}${local ? ' (node-local endpoints)' : ''}`;
}

function addressOf(e: Endpoint): string {
  return e.address === null ? (e.ref === null ? '?' : sanitizeLine(e.ref)) : sanitizeLine(e.address);
}

function unequalShares(port: ServicePort, list: readonly Endpoint[], local: boolean, place: Place): LintFinding[] {
  const active = list.filter((e) => !e.issues.includes('draining'));
  if (active.length < 2) return [];
  const mean = active.reduce((sum, e) => sum + e.share, 0) / active.length;
  if (active.every((e) => Math.abs(e.share - mean) <= equalTolerance(active.length) * (mean * active.length))) return [];
  const shown = active.slice(0, 6).map((e) => `${addressOf(e)} ${percent(e.share)}`).join(', ');
  const more = active.length > 6 ? `, … ${active.length - 6} more` : '';
  return [lintFinding('unequal-shares', place.chain, place.line, { sentence: `${listName(port, local)}: its ${active.length} endpoints get unequal shares (${shown}${more}), not ${percent(mean)} each`, explanation: NOT_AS_KUBE_PROXY_WRITES })];
}

function badProbabilities(port: ServicePort, local: boolean, place: Place): LintFinding[] {
  const list = local ? (port.localEndpoints ?? []) : port.endpoints;
  const diverted = port.diverted.filter((d) => d.list === (local ? 'local' : 'cluster'));
  const found: LintFinding[] = [];
  const outside = [...list, ...diverted].filter((x) => x.probability !== null && !(x.probability > 0 && x.probability <= 1));
  if (outside.length > 0) {
    found.push(lintFinding('bad-probabilities', place.chain, place.line, { sentence: `${listName(port, local)}: probabilities outside (0, 1] (${outside.map((x) => x.probability).join(', ')}), where a rule never matches or always does`, explanation: NOT_AS_KUBE_PROXY_WRITES }));
  }
  const total = [...list, ...diverted].reduce((sum, x) => sum + x.share, 0);
  if (total > 1 + SHARE_EPSILON) {
    found.push(lintFinding('bad-probabilities', place.chain, place.line, { sentence: `${listName(port, local)}: its shares add up to ${percent(total)} of new connections, more than all of them`, explanation: NOT_AS_KUBE_PROXY_WRITES }));
  }
  return found;
}

function duplicates(port: ServicePort, list: readonly Endpoint[], local: boolean, place: Place): LintFinding[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const e of list) {
    if (e.address === null) continue;
    if (seen.has(e.address)) twice.add(e.address);
    seen.add(e.address);
  }
  return [...twice].map((address) =>
    lintFinding('duplicate-endpoint', place.chain, place.line, {
      sentence: `${listName(port, local)}: endpoint ${sanitizeLine(address)} is listed more than once, so it receives more than its share`,
      explanation: 'kube-proxy lists each endpoint once: check the EndpointSlices (two slices listing one address) and who wrote the second rule',
    }),
  );
}

function noEndpointsNoReject(port: ServicePort, place: Place): LintFinding[] {
  if (!port.endpointsShown || port.endpoints.length > 0 || port.diverted.length > 0 || port.noEndpoints !== null) return [];
  return [
    lintFinding('no-endpoints-no-reject', place.chain, place.line, {
      sentence: `${listName(port, false)}: has no endpoints, and no rule rejects or drops its traffic`,
      explanation: 'kube-proxy rejects it, so that clients are refused at once instead of waiting for a timeout: check kube-proxy runs and syncs here (a dump of the nat table alone holds no reject rules: capture the filter table too, natdiff snap --all-tables)',
    }),
  ];
}

function allDraining(port: ServicePort, place: Place): LintFinding[] {
  if (port.endpoints.length === 0 || !port.endpoints.every((e) => e.issues.includes('draining'))) return [];
  return [
    lintFinding('all-draining', place.chain, place.line, {
      sentence: `${listName(port, false)}: all ${port.endpoints.length} endpoints are draining (weight 0)`,
      explanation: 'new connections are refused until one is ready, as kube-proxy does while every endpoint terminates: nothing to do if a rollout is under way',
    }),
  ];
}

/** The model checks of one port: its cluster-wide list, and its node-local one where it has one. */
function portFindings(port: ServicePort, view: ServiceView, ruleset: Ruleset): LintFinding[] {
  const { mode, unseen } = view.model;
  // IPVS shares follow its weights, which kube-proxy sets (0 for a draining real server): they are meant as they are.
  const weighted = mode === 'ipvs' || unseen.includes('shares') || port.unseen.includes('shares');
  const found: LintFinding[] = [];
  const clusterPlace = placeOf(port, view, ruleset, false);
  for (const local of [false, true]) {
    const list = local ? port.localEndpoints : port.endpoints;
    if (list === null) continue;
    const place = local ? placeOf(port, view, ruleset, true) : clusterPlace;
    if (!weighted) found.push(...unequalShares(port, list, local, place));
    found.push(...badProbabilities(port, local, place), ...duplicates(port, list, local, place));
  }
  return [...found, ...noEndpointsNoReject(port, clusterPlace), ...allDraining(port, clusterPlace)];
}

export function modelFindings(view: ServiceView, ruleset: Ruleset): LintFinding[] {
  return view.model.ports.flatMap((port) => portFindings(port, view, ruleset));
}
