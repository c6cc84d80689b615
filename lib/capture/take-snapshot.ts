/**
 * `natdiff snap`: capture from a source, check that what came back is a dump, add what the
 * cluster says (pods, service ports), and write the snapshot file atomically.
 */
import { hostname } from 'node:os';
import { CaptureError, InputError, NatdiffError } from '../errors';
import type { SnapshotMetadata } from '../model/metadata';
import type { Ruleset } from '../model/ruleset';
import { parseSnapshot } from '../snapshot/load-snapshot';
import { countRules, iptablesOrigin, newMetadata, writeSnapshot } from '../snapshot/write-snapshot';
import { VERSION } from '../version';
import { readClusterInfo, type ClusterInfo } from './cluster-info';
import { listOf, nodeSchema } from './kube-types';
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

/** Which proxy wrote the rules, when the rules themselves say so. */
export function proxyModeFromRules(dump: string): string | null {
  if (/-j KUBE-SVC-|^:KUBE-SVC-/m.test(dump) && /-A KUBE-SVC-/.test(dump)) return 'iptables';
  if (/--match-set KUBE-CLUSTER-IP /.test(dump)) return 'ipvs';
  return null;
}

const NOT_KUBE_PROXY = 'kube-proxy may not run there, or runs in nftables mode (its rules are then not iptables rules: nft list ruleset shows them); the snapshot records what was there';

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

/** A capture must be a dump; one with nothing of kube-proxy's is still kept, with a warning saying why that may be. */
function checkDump(c: Capture, where: string): void {
  if (c.text.trim() === '') {
    c.warnings.push(`${where} printed no rules at all (no ${c.command.includes('-t') ? 'nat table' : 'tables'} there yet): ${NOT_KUBE_PROXY}`);
    return;
  }
  try {
    const absent = kubeProxyAbsent(parseSnapshot(c.text, where).ruleset, where);
    if (absent) c.warnings.push(absent);
  } catch (e) {
    if (e instanceof InputError) throw new CaptureError(`${where} did not give an iptables dump${e.line ? ` (line ${e.line})` : ''}: ${e.reason}`);
    throw e;
  }
}

async function clusterInfoFor(options: SnapOptions, warnings: string[]): Promise<ClusterInfo | null> {
  if (typeof options.clusterInfo === 'object') return options.clusterInfo.known;
  const wanted = options.clusterInfo === 'always' || (options.clusterInfo === 'auto' && (options.source.kind === 'node' || Boolean(options.kubectl.target.context || options.kubectl.target.kubeconfig)));
  if (!wanted) return null;
  try {
    return await readClusterInfo(options.kubectl);
  } catch (e) {
    if (options.clusterInfo === 'always' || !(e instanceof NatdiffError)) throw e;
    warnings.push(`no pod names in this snapshot: ${e.message}`);
    return null;
  }
}

function metadataOf(c: Capture, info: ClusterInfo | null, options: SnapOptions, capturedAt: Date, multiple: boolean): SnapshotMetadata {
  const label = multiple && c.backend ? `${options.label ?? 'snapshot'}-${c.backend === 'nf_tables' ? 'nft' : c.backend}` : (options.label ?? null);
  return newMetadata({
    capturedAt: capturedAt.toISOString(),
    label,
    source: { kind: c.kind, target: c.target, via: c.via, command: c.command },
    node: c.node ?? (options.source.kind === 'local' ? hostname() : null),
    kubeContext: info?.context ?? null,
    kubeProxyMode: info?.proxyMode ?? proxyModeFromRules(c.text),
    iptables: iptablesOrigin(c.text, c.backend),
    natdiffVersion: VERSION,
    rules: countRules(c.text),
    ...(info ? { pods: info.pods, servicePorts: info.servicePorts } : {}),
  });
}

export async function takeSnapshot(options: SnapOptions): Promise<TakenSnapshot[]> {
  const capturedAt = (options.now ?? (() => new Date()))();
  const warnings: string[] = [];
  const [captures, info] = await Promise.all([capture(options.source, options), clusterInfoFor(options, warnings)]);
  const where = describeSource(options.source);
  for (const c of captures) checkDump(c, where);
  if (captures.length > 1 && options.out) throw new CaptureError(`${where} has kube-proxy rules in both iptables back ends; use --dir instead of --out to keep both`);
  return captures.map((c) => {
    const metadata = metadataOf(c, info, options, capturedAt, captures.length > 1);
    const path = writeSnapshot({ text: c.text, metadata }, { out: options.out, dir: options.dir, force: options.force });
    return { path, metadata, warnings: [...warnings, ...c.warnings] };
  });
}

export interface NodeResult {
  node: string;
  taken: TakenSnapshot[];
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

/** `--all-nodes`: every node, a few at a time, one snapshot file each; failures are per node. */
export async function snapshotAllNodes(options: Omit<SnapOptions, 'source' | 'out'> & { via: 'exec' | 'debug'; concurrency?: number }): Promise<NodeResult[]> {
  const nodes = await options.kubectl.json(listOf(nodeSchema), ['get', 'nodes']);
  const names = nodes.items.map((n) => n.metadata.name).sort();
  if (names.length === 0) throw new CaptureError('the cluster lists no nodes');
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
