/**
 * Compares two snapshots: service models first (what changed for traffic), then the chosen
 * table rule by rule, then what was ignored as noise, and a summary that decides the exit code.
 */
import { InputError, type Warning } from '../errors';
import type { ServicePortInfo } from '../model/metadata';
import type { ServiceModel } from '../model/service';
import type { Finding, Snapshot, ServiceView } from '../model/snapshot';
import type { OnProgress } from '../progress';
import { sanitizeLine } from '../sanitize';
import type { Rule } from '../model/ruleset';
import { diffChains, mergeChainDiffs, type ChainSide, type ChainsDiff } from './diff-chains';
import { diffServices } from './diff-services';
import { summarize } from './summary';
import type { ChainDiff, DiffReport, ReportFinding, ReportWarning, RuleRef, ServiceDiff, Side, SnapshotInfo } from './types';

export interface DiffOptions {
  /** Table whose chains are compared rule by rule, or 'all'; default nat. */
  table?: string;
  /** More service port names to try for chains that carry none (a snapshot's metadata). */
  candidateNames?: Iterable<string>;
  /**
   * No shortcuts: chains written exactly alike are compared too, and every rule pair by its
   * canonical key, never by its facts (slow; to check that the shortcuts give the same answer).
   */
  noShortcuts?: boolean;
  onProgress?: OnProgress;
}

function info(s: Snapshot, view: ServiceView): SnapshotInfo {
  return {
    source: s.source,
    format: s.format,
    family: s.family,
    generator: s.origin.generator,
    version: s.origin.version,
    backend: s.origin.backend,
    tables: [...s.ruleset.tables.keys()],
    assumedTable: s.assumedTable,
    mode: view.model.mode,
    partial: s.partial,
  };
}

/**
 * One list from the two sides' lists: an item both sides hold (by `key`, as many times as both
 * hold it) once, as `both`, where the before side has it; then what only the after side holds.
 */
function mergeSides<T>(before: T[], after: T[], key: (item: T) => string): (T & { side: Side })[] {
  const count = (items: T[]): Map<string, number> => {
    const n = new Map<string, number>();
    for (const item of items) n.set(key(item), (n.get(key(item)) ?? 0) + 1);
    return n;
  };
  const inAfter = count(after);
  const inBefore = count(before);
  const take = (counts: Map<string, number>, item: T): boolean => {
    const n = counts.get(key(item)) ?? 0;
    if (n > 0) counts.set(key(item), n - 1);
    return n > 0;
  };
  return [
    ...before.map((item) => ({ ...item, side: take(inAfter, item) ? ('both' as const) : ('before' as const) })),
    ...after.filter((item) => !take(inBefore, item)).map((item) => ({ ...item, side: 'after' as const })),
  ];
}

/** Findings name lines of their own side, so alike findings are the same message. */
function mergeFindings(before: Finding[], after: Finding[]): ReportFinding[] {
  return mergeSides(before, after, (f) => f.message);
}

/** A self-diff, or two dumps with the same damaged line, warns once. */
function mergeWarnings(before: Warning[], after: Warning[]): ReportWarning[] {
  return mergeSides(before, after, (w) => `${w.line ?? ''}:${w.message}`);
}

/** The named service ports of a model, as a snapshot's metadata records them. */
function servicePortsOf(model: ServiceModel): ServicePortInfo[] {
  return model.ports.flatMap((p) =>
    p.name === null || p.protocol === null || p.port === null
      ? []
      : [{ name: p.name, protocol: p.protocol, clusterIP: p.clusterIP, port: p.port, nodePort: p.nodePorts[0] ?? null, externalIPs: p.externalIPs, loadBalancerIPs: p.loadBalancerIPs }],
  );
}

/**
 * Names gathered the first time something iterates them: readers look at candidate names only for
 * ports whose rules carry none, and gathering them reads every rule's comment on both sides.
 */
function gatheredWhenIterated(gather: () => Set<string>): Iterable<string> {
  let names: Set<string> | null = null;
  return { [Symbol.iterator]: () => (names ??= gather())[Symbol.iterator]() };
}

/**
 * Both service models. An input that names no port and tells no entry point apart (IPVS without a
 * snapshot's service ports) is read with the other input's ports, so that its NodePort and
 * external virtual services fold into the ports they serve, as the other input has them.
 */
function describeBoth(before: Snapshot, after: Snapshot, extra: Iterable<string>, tables: ReadonlySet<string> | undefined, onProgress?: OnProgress): [ServiceView, ServiceView] {
  const names = gatheredWhenIterated(() => {
    const all = new Set<string>(extra);
    for (const n of before.serviceNames()) all.add(n);
    for (const n of after.serviceNames()) all.add(n);
    return all;
  });
  onProgress?.('modelling', 0, 2);
  if (before.wantsServicePorts && !after.wantsServicePorts) {
    const va = after.describe(names, tables);
    onProgress?.('modelling', 1, 2);
    return [before.describe(names, tables, servicePortsOf(va.model)), va];
  }
  const vb = before.describe(names, tables);
  onProgress?.('modelling', 1, 2);
  const hint = after.wantsServicePorts && !before.wantsServicePorts ? servicePortsOf(vb.model) : undefined;
  return [vb, after.describe(names, tables, hint)];
}

/**
 * The tables the service models are read from. Where both sides' proxy modes write the same tables,
 * only the tables both hold: one a side lacks was not captured there (`iptables-save -t nat`),
 * and its rules (the filter table's "no endpoints" rejects) must not read as a change. Across modes
 * that write other tables, each side is read whole.
 */
function tablesToModel(before: Snapshot, after: Snapshot): ReadonlySet<string> | undefined {
  if (!before.modeTables.some((t) => after.modeTables.includes(t))) return undefined;
  const tb = [...before.ruleset.tables.keys()];
  const ta = [...after.ruleset.tables.keys()];
  const common = tb.filter((t) => ta.includes(t));
  return common.length === tb.length && common.length === ta.length ? undefined : new Set(common);
}

/** A table its proxy mode writes, or one holding chains of kube-proxy's (the iptables mode's filter table). */
function holdsModeRules(s: Snapshot, table: string): boolean {
  return s.modeTables.includes(table) || [...(s.ruleset.tables.get(table)?.chains.keys() ?? [])].some((chain) => s.ownsChain(table, chain));
}

interface TablePlan {
  /** Tables compared rule by rule. */
  compared: string[];
  /** What the report calls them: the table asked for, or those compared. */
  label: string;
  /** Tables both hold. */
  common: string[];
  /** Tables only one side holds because its proxy mode writes them (across modes: expected). */
  modeOnly: { side: Snapshot; table: string }[];
  warnings: ReportWarning[];
}

/**
 * Which tables to compare: the one asked for, or 'all', or by default the tables the two sides'
 * proxy modes write. Only tables both snapshots hold can be compared: a table missing on one side
 * was not captured there (`iptables-save -t nat`), not emptied — unless that side runs another
 * proxy mode, which writes other tables.
 */
function planTables(before: Snapshot, after: Snapshot, wanted: string | undefined, acrossModes: boolean): TablePlan {
  const tb = [...before.ruleset.tables.keys()];
  const ta = [...after.ruleset.tables.keys()];
  const common = tb.filter((t) => ta.includes(t));
  const warnings: ReportWarning[] = [];
  const modeOnly: TablePlan['modeOnly'] = [];
  const onlyIn = (side: Side, s: Snapshot, mine: string[], theirs: string[], other: Snapshot) => {
    const only = mine.filter((t) => !theirs.includes(t));
    const expected = acrossModes ? only.filter((t) => holdsModeRules(s, t)) : [];
    modeOnly.push(...expected.map((table) => ({ side: s, table })));
    const unexpected = only.filter((t) => !expected.includes(t));
    if (unexpected.length > 0) {
      warnings.push({ side, source: s.source, line: null, message: `holds table${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')}, which ${sanitizeLine(other.source)} does not; compared only: ${common.join(', ') || 'nothing'}` });
    }
  };
  onlyIn('before', before, tb, ta, after);
  onlyIn('after', after, ta, tb, before);
  const held = new Set([...tb, ...ta]);
  const candidates = wanted === undefined ? [...new Set([...before.modeTables, ...after.modeTables])] : wanted === 'all' ? [...held] : [wanted];
  if (!candidates.some((t) => held.has(t))) {
    throw new InputError(`neither input holds table ${candidates.join(', ') || wanted} (they hold: ${[...held].join(', ') || 'no table'})`);
  }
  const compared = common.filter((t) => candidates.includes(t));
  return { compared, label: wanted ?? (compared.join(', ') || 'none'), common, modeOnly, warnings };
}

/** Common tables not compared rule by rule that differ in meaning: said in the report, so nothing hides. */
function otherTablesThatDiffer(before: ChainSide, after: ChainSide, plan: TablePlan): string[] {
  return plan.common.filter((t) => !plan.compared.includes(t) && after.ruleset.tables.has(t) && diffChains(t, before, after).chains.length > 0);
}

/** The rules of a changed chain with how each side's service model accounts for them. */
function withAccounts(c: ChainDiff, before: ServiceView, after: ServiceView): ChainDiff {
  const account = (view: ServiceView, chain: string, rules: readonly Rule[]) => {
    let indexOf: Map<number, number> | null = null;
    return (r: RuleRef): RuleRef => {
      indexOf ??= new Map(rules.map((rule, i) => [rule.line, i]));
      const index = indexOf.get(r.line);
      return { ...r, model: index === undefined ? null : view.ruleAccount(c.table, chain, index) };
    };
  };
  const inBefore = account(before, c.rules.beforeName, c.rules.before);
  const inAfter = account(after, c.name, c.rules.after);
  return { ...c, added: c.added.map(inAfter), removed: c.removed.map(inBefore), changed: c.changed.map((p) => ({ before: inBefore(p.before), after: inAfter(p.after) })) };
}

/**
 * A service whose model is unchanged but whose rules were re-weighted (its endpoints listed in
 * another order, the probabilities recomputed to match) sends every packet where it did: its
 * chain's re-weighted rules are noise, counted with the reordered endpoints. Only rules the
 * model holds in full are so judged, and only when both sides show the service's endpoints (so
 * its model was compared in full); any other rule change stays a change.
 */
function withoutRebalancing(chains: ChainDiff[], services: ServiceDiff[]): ChainDiff[] {
  const comparedInFull = (s: ServiceDiff): boolean => s.status === 'unchanged' && s.before?.endpointsShown === true && s.after?.endpointsShown === true;
  const unchanged = new Set(services.filter(comparedInFull).map((s) => s.key));
  const rebalanced = (c: ChainDiff): boolean =>
    c.service !== null && unchanged.has(c.service) && c.status === 'changed' && c.added.length === 0 && c.removed.length === 0 && c.policy === null && c.declaration === null && c.reordered === null &&
    c.changed.every((p) => p.before.model === 'modelled' && p.after.model === 'modelled');
  return chains.filter((c) => !rebalanced(c));
}

/**
 * A chain in one input only, when the other holds part of its tables, may be in the part that
 * was left out: it is not compared rather than reported as added or removed.
 */
function withoutUnknowable(chains: ChainDiff[], before: Snapshot, after: Snapshot): { reported: ChainDiff[]; notCompared: number } {
  const unknowable = (c: ChainDiff): boolean => (c.status === 'removed' && after.partial !== null) || (c.status === 'added' && before.partial !== null);
  const reported = chains.filter((c) => !unknowable(c));
  return { reported, notCompared: chains.length - reported.length };
}

/**
 * Across proxy modes, kube-proxy's own chains differ as the modes do: they are counted, not
 * listed, and the services say whether traffic goes where it went.
 */
function withoutModeChains(chains: ChainDiff[], before: Snapshot, after: Snapshot, plan: TablePlan): { listed: ChainDiff[]; modeChains: number } {
  const owned = (c: ChainDiff): boolean =>
    (c.status !== 'added' && before.ownsChain(c.table, c.rules.beforeName)) || (c.status !== 'removed' && after.ownsChain(c.table, c.name));
  const listed = chains.filter((c) => !owned(c));
  const inModeTables = plan.modeOnly.reduce((n, { side, table }) => n + (side.ruleset.tables.get(table)?.chains.size ?? 0), 0);
  return { listed, modeChains: chains.length - listed.length + inModeTables };
}

/** A side's partial input is said once, as a warning about that input. */
function leftOutOf(s: Snapshot): ChainSide['leftOut'] {
  if (!s.rulesLeftOut) return undefined;
  const byChain = new Map(s.rulesLeftOut.map((r) => [`${r.table}\0${r.chain}`, r]));
  return (table, chain) => byChain.get(`${table}\0${chain}`);
}

function partialWarning(s: Snapshot): Warning[] {
  return s.partial ? [{ source: s.source, line: null, message: s.partial }] : [];
}

export function diffSnapshots(before: Snapshot, after: Snapshot, options: DiffOptions = {}): DiffReport {
  const [vb, va] = describeBoth(before, after, options.candidateNames ?? [], tablesToModel(before, after), options.onProgress);
  const acrossModes = vb.model.mode !== null && va.model.mode !== null && vb.model.mode !== va.model.mode;
  const plan = planTables(before, after, options.table, acrossModes);
  const services = diffServices(vb.model, va.model);
  const sides: [ChainSide, ChainSide] = [
    { ruleset: before.ruleset, identity: vb.chainIdentity, leftOut: leftOutOf(before) },
    { ruleset: after.ruleset, identity: va.chainIdentity, leftOut: leftOutOf(after) },
  ];
  const chains = mergeChainDiffs(plan.compared.map((t) => withUnreadNoise(diffChains(t, ...sides, !options.noShortcuts, options.onProgress), before.alikeUnread?.noise?.get(t))));
  const accounted = withoutRebalancing(chains.chains.map((c) => withAccounts(c, vb, va)), services.services);
  const { listed, modeChains } = acrossModes ? withoutModeChains(accounted, before, after, plan) : { listed: accounted, modeChains: 0 };
  const { reported, notCompared } = withoutUnknowable(listed, before, after);
  const report: Omit<DiffReport, 'summary'> = {
    before: info(before, vb),
    after: info(after, va),
    table: plan.label,
    acrossModes: acrossModes ? { kubeProxyChains: modeChains } : null,
    services: services.services,
    chains: reported,
    noise: {
      formattingOnly: chains.formattingOnly,
      commentOnly: chains.commentOnly,
      reorderedNoEffect: chains.reorderedNoEffect,
      declarationOrder: chains.declarationOrder,
      counters: before.hadCounters || after.hadCounters,
      countersDiffer: (before.hadCounters || after.hadCounters) && (before.countersDigest === undefined || before.countersDigest !== after.countersDigest),
      implicitBuiltins: chains.implicitBuiltins,
      endpointOrderNoEffect: services.endpointOrderNoEffect,
    },
    findings: mergeFindings(vb.findings, va.findings),
    warnings: [...mergeWarnings([...before.warnings, ...vb.warnings, ...partialWarning(before)], [...after.warnings, ...va.warnings, ...partialWarning(after)]), ...plan.warnings],
    pods: { ...before.metadata?.pods, ...after.metadata?.pods },
    otherTablesDiffer: otherTablesThatDiffer(...sides, plan),
  };
  return { ...report, summary: summarize(report.services, report.chains, notCompared, before.alikeUnread) };
}

/** A table's chain diff with the noise of what the first pass left unread (AlikeUnread.noise). */
function withUnreadNoise(d: ChainsDiff, unread: { rulesWrittenDifferently: number; declarationOrder: boolean } | undefined): ChainsDiff {
  if (!unread) return d;
  return { ...d, formattingOnly: d.formattingOnly + unread.rulesWrittenDifferently, declarationOrder: d.declarationOrder || unread.declarationOrder };
}
