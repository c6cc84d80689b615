/**
 * `natdiff snap`: capture from a source in the mode asked for or found, check that what came back
 * is rules of that mode, add what the cluster says (pods, service ports, the node's addresses), and
 * write the snapshot file atomically.
 */
import { hostname } from 'node:os';
import { CaptureError, InputError, NatdiffError } from '../errors';
import type { ModeDecision, SnapshotMetadata } from '../model/metadata';
import type { Ruleset } from '../model/ruleset';
import { parseSnapshot } from '../snapshot/load-snapshot';
import { iptablesOrigin, joinParts, newMetadata, writeSnapshot } from '../snapshot/write-snapshot';
import { VERSION } from '../version';
import { nodeAddresses, readClusterInfo, type ClusterInfo } from './cluster-info';
import { listOf, nodeSchema } from './kube-types';
import type { Kubectl } from './kubectl';
import { capture, describeSource, type Capture, type CaptureOptions, type Source } from './sources';

export interface SnapOptions extends CaptureOptions {
  source: Source;
  label?: string;
  out?: string;
  dir: string;
  force?: boolean;
  /** Read pods and service ports from the cluster: always, never, when the source is a node, or use what was read already. */
  clusterInfo: 'auto' | 'always' | 'never' | { known: ClusterInfo };
  now?: () => Date;
}

export interface TakenSnapshot {
  path: string;
  metadata: SnapshotMetadata;
  warnings: string[];
}

export interface TakenInMode extends TakenSnapshot {
  /** The mode read, and how it was decided (a scale keeps it for every later capture). */
  mode: ModeDecision;
}

/** What the cluster said, for the metadata: pods and service ports, and the node's own addresses. */
interface ClusterFacts {
  info: ClusterInfo | null;
  nodeIPs: string[] | null;
}

const NOT_KUBE_PROXY = 'kube-proxy may not run there; the snapshot records what was there';

/** Why the nat table holds nothing of kube-proxy's, when it does not: no rules at all, or no KUBE- chain. */
function kubeProxyAbsent(ruleset: Ruleset, where: string): string | null {
  const nat = ruleset.tables.get('nat');
  if (!nat) return `${where} has no nat table: ${NOT_KUBE_PROXY}`;
  const chains = [...nat.chains.values()];
  const rules = chains.reduce((n, c) => n + c.rules.length, 0);
  if (rules === 0) return `the nat table of ${where} holds no rules: ${NOT_KUBE_PROXY}`;
  if (!chains.some((c) => c.name.startsWith('KUBE-'))) return `the nat table of ${where} holds ${rules} rule${rules === 1 ? '' : 's'}, none of them kube-proxy's (no KUBE- chain): ${NOT_KUBE_PROXY}`;
  return null;
}

function ruleCount(ruleset: Ruleset): number {
  let n = 0;
  for (const table of ruleset.tables.values()) for (const chain of table.chains.values()) n += chain.rules.length;
  return n;
}

/**
 * A capture must be rules of its mode (read as printed: a bad line is told by its line in the
 * output); an iptables capture with nothing of kube-proxy's (what auto reads where it finds no
 * kube-proxy rules, or what --exec printed) is still kept, with a warning saying why that may be.
 * Returns the rules as read.
 */
function checkCapture(c: Capture, where: string, allTables: boolean): Ruleset {
  const text = joinParts(c.parts);
  if (c.mode.mode === 'iptables' && text.trim() === '') {
    c.warnings.push(`${where} printed no rules at all (no ${allTables ? 'tables' : 'nat table'} there yet): ${NOT_KUBE_PROXY}`);
    return { tables: new Map() };
  }
  try {
    const { ruleset } = parseSnapshot(text, where);
    const absent = c.mode.mode === 'iptables' ? kubeProxyAbsent(ruleset, where) : null;
    if (absent) c.warnings.push(absent);
    return ruleset;
  } catch (e) {
    if (e instanceof InputError) throw new CaptureError(`${where} did not give ${c.mode.mode === 'iptables' ? 'an iptables dump' : `${c.mode.mode} rules`}${e.line ? ` (line ${e.line})` : ''}: ${e.reason}`);
    throw e;
  }
}

/** Whether to ask the cluster, and what it said; what it could not say is a warning unless asked for. */
async function clusterFactsFor(options: Omit<SnapOptions, 'dir'>, warnings: string[]): Promise<ClusterFacts> {
  const { clusterInfo, kubectl } = options;
  const wanted = typeof clusterInfo === 'object' || clusterInfo === 'always' || (clusterInfo === 'auto' && (options.source.kind === 'node' || Boolean(kubectl.target.context || kubectl.target.kubeconfig)));
  if (!wanted) return { info: null, nodeIPs: null };
  const asked = async <T>(without: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (e) {
      if (clusterInfo === 'always' || !(e instanceof NatdiffError)) throw e;
      warnings.push(`${without}: ${e.message}`);
      return null;
    }
  };
  const node = options.source.kind === 'node' ? options.source.node : null;
  const [info, nodeIPs] = await Promise.all([
    typeof clusterInfo === 'object' ? clusterInfo.known : asked('no pod names in this snapshot', () => readClusterInfo(kubectl)),
    node ? asked(`no addresses of node ${node} in this snapshot`, () => nodeAddresses(kubectl, node)) : null,
  ]);
  return { info, nodeIPs };
}

function metadataOf(c: Capture, facts: ClusterFacts, options: Omit<SnapOptions, 'dir'>, capturedAt: Date, multiple: boolean): SnapshotMetadata {
  const label = multiple && c.backend ? `${options.label ?? 'snapshot'}-${c.backend === 'nf_tables' ? 'nft' : c.backend}` : (options.label ?? null);
  const iptables = c.parts.find((p) => p.name === 'iptables');
  const { info, nodeIPs } = facts;
  return newMetadata({
    capturedAt: capturedAt.toISOString(),
    label,
    source: { kind: c.kind, target: c.target, via: c.via, command: c.parts[0]?.command ?? [] },
    node: c.node ?? (options.source.kind === 'local' ? hostname() : null),
    kubeContext: info?.context ?? null,
    kubeProxyMode: c.mode.mode,
    kubeProxyModeDecision: { by: c.mode.by, reason: c.mode.reason },
    iptables: iptables ? iptablesOrigin(iptables.text, c.backend) : { version: null, backend: null },
    natdiffVersion: VERSION,
    rules: 0,
    ...(info ? { pods: info.pods, servicePorts: info.servicePorts } : {}),
    ...(nodeIPs ? { nodeIPs } : {}),
  });
}

/** A capture checked to be rules of its mode, with the metadata its snapshot file would carry. */
export interface CheckedCapture {
  capture: Capture;
  /** Without its parts: where they land is known when the file is written (or read as captured: `headerless`). */
  metadata: SnapshotMetadata;
  /** What the cluster could not say, and what the capture warned of. */
  warnings: string[];
}

/** Captures from the source (one capture per iptables back end that holds kube-proxy rules), each checked and given its metadata. */
export async function captureChecked(options: Omit<SnapOptions, 'dir'>): Promise<CheckedCapture[]> {
  const capturedAt = (options.now ?? (() => new Date()))();
  const warnings: string[] = [];
  const [captures, facts] = await Promise.all([capture(options.source, options), clusterFactsFor(options, warnings)]);
  const where = describeSource(options.source);
  if (captures.length > 1 && options.out) throw new CaptureError(`${where} has kube-proxy rules in both iptables back ends; use --dir instead of --out to keep both`);
  return captures.map((c) => {
    const unchecked = metadataOf(c, facts, options, capturedAt, captures.length > 1);
    const rules = ruleCount(checkCapture(c, where, Boolean(options.allTables)));
    return { capture: c, metadata: { ...unchecked, rules }, warnings: [...warnings, ...c.warnings] };
  });
}

export async function takeSnapshot(options: SnapOptions): Promise<TakenInMode[]> {
  return (await captureChecked(options)).map(({ capture: c, metadata: unplaced, warnings }) => {
    const { path, metadata } = writeSnapshot({ metadata: unplaced, parts: c.parts }, { out: options.out, dir: options.dir, force: options.force });
    return { path, metadata, mode: c.mode, warnings };
  });
}

export interface NodeResult {
  node: string;
  taken: TakenInMode[];
  error: string | null;
}

/** Runs `fn` over items with at most `limit` running at once, results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The cluster's nodes, by name; none is an error. */
export async function clusterNodeNames(kubectl: Kubectl): Promise<string[]> {
  const nodes = await kubectl.json(listOf(nodeSchema), ['get', 'nodes']);
  const names = nodes.items.map((n) => n.metadata.name).sort();
  if (names.length === 0) throw new CaptureError('the cluster lists no nodes');
  return names;
}

/** `--all-nodes`: every node, a few at a time, one snapshot file each; failures are per node. */
export async function snapshotAllNodes(options: Omit<SnapOptions, 'source' | 'out'> & { via: 'exec' | 'debug'; concurrency?: number }): Promise<NodeResult[]> {
  const names = await clusterNodeNames(options.kubectl);
  const info = options.clusterInfo === 'never' ? 'never' : { known: await readClusterInfo(options.kubectl) };
  return mapBounded(names, options.concurrency ?? 4, async (node) => {
    try {
      const taken = await takeSnapshot({ ...options, source: { kind: 'node', node, via: options.via }, clusterInfo: info });
      return { node, taken, error: null };
    } catch (e) {
      if (!(e instanceof NatdiffError)) throw e;
      return { node, taken: [], error: e.message };
    }
  });
}
