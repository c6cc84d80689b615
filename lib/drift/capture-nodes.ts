/**
 * `natdiff drift --all-nodes`: every node captured through the cluster, a few at a time, each
 * capture described as it arrives and only its digest kept; the EndpointSlices read before and
 * after the captures, as the intended state.
 */
import { clusterInfoOf, readClusterObjects } from '../capture/cluster-info';
import type { Kubectl } from '../capture/kubectl';
import type { CaptureOptions } from '../capture/sources';
import { captureChecked, clusterNodeNames, mapBounded } from '../capture/take-snapshot';
import { NatdiffError } from '../errors';
import type { ExpectedReadings } from './compare';
import { headerless } from '../snapshot/write-snapshot';
import type { NodeDigest } from './digest';
import { nodeDigests, type NodeInput, type NodeReading } from './node-reading';
import type { AgainstFirst } from '../snapshot/against-first';
import { expectedPorts } from './expected';

export interface AllNodesOptions extends CaptureOptions {
  kubectl: Kubectl;
  via: 'exec' | 'debug';
  /** Nodes captured at once (default 4). */
  concurrency?: number;
  /** Told as each node is done (captured and described, or failed). */
  onNode?: (node: string, done: number, total: number) => void;
}

export interface NodeOutcome {
  node: string;
  /** One per iptables back end that holds kube-proxy rules (usually one). */
  digests: NodeDigest[];
  warnings: string[];
  error: string | null;
}

export interface AllNodesCapture {
  outcomes: NodeOutcome[];
  readings: ExpectedReadings;
}

/** A node's name in the report: its own, or with the back end when both iptables back ends hold kube-proxy rules. */
function digestName(node: string, backend: string | null, several: boolean): string {
  return several && backend ? `${node} (${backend === 'nf_tables' ? 'nft' : backend})` : node;
}

async function captureNode(node: string, options: AllNodesOptions, known: ReturnType<typeof clusterInfoOf>, digests: AgainstFirst<NodeReading, NodeInput>): Promise<NodeOutcome> {
  const where = `node ${node}`;
  try {
    const checked = await captureChecked({ ...options, source: { kind: 'node', node, via: options.via }, clusterInfo: { known } });
    const warnings: string[] = [];
    const taken = checked.map(({ capture, metadata, warnings: w }) => {
      warnings.push(...w);
      const { digest, warnings: read } = digests.read({ source: where, ...headerless(metadata, capture.parts), node: () => digestName(node, capture.backend, checked.length > 1) });
      warnings.push(...read.map((r) => r.message));
      return digest;
    });
    return { node, digests: taken, warnings: [...new Set(warnings)], error: null };
  } catch (e) {
    if (!(e instanceof NatdiffError)) throw e;
    return { node, digests: [], warnings: [], error: e.message };
  }
}

export async function captureAllNodes(options: AllNodesOptions): Promise<AllNodesCapture> {
  const [nodes, before] = await Promise.all([clusterNodeNames(options.kubectl), readClusterObjects(options.kubectl)]);
  const known = clusterInfoOf(before);
  // Each node read against the first one read: only what differs from it is read again.
  const digests = nodeDigests();
  let done = 0;
  const outcomes = await mapBounded(nodes, options.concurrency ?? 4, async (node) => {
    const outcome = await captureNode(node, options, known, digests);
    options.onNode?.(node, ++done, nodes.length);
    return outcome;
  });
  const after = await readClusterObjects(options.kubectl);
  return { outcomes, readings: [expectedPorts(before), expectedPorts(after)] };
}
