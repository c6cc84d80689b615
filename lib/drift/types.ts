/** What `natdiff drift` finds: per service port, whether the nodes agree, and which node is the odd one. */
import type { ProxyMode, Protocol } from '../model/service';

/** One service port on one node, as the report shows it. */
export interface NodePort {
  /** `ip:port`, sorted; empty when the port is absent, or when its endpoints cannot be compared. */
  endpoints: string[];
  /** The port is not on this node (whose input shows every port). */
  absent: boolean;
  /** The shares, `ip:port=0.500000, …` (or `equal`), where shares are what differs. */
  shares: string | null;
  /** Why this node cannot be compared for this port (an artefact of its input), or null. */
  notComparable: string | null;
}

/** How an outlier differs from the most common endpoint set (or from the EndpointSlices). */
export interface Difference {
  node: string;
  /** Endpoints the reference has and this node does not. */
  lacks: string[];
  /** Endpoints this node sends traffic to that the reference does not have. */
  extra: string[];
  absent: boolean;
  /** The same endpoints, shared otherwise. */
  sharesDiffer: boolean;
}

export interface DriftService {
  /** The port's identity across nodes (the model's key). */
  key: string;
  /** `ns/name:port`, or `clusterIP:port/protocol` where no node names it. */
  name: string;
  /** Some node (or the cluster) names it: `name` is `ns/name:port`. */
  named: boolean;
  protocol: Protocol | null;
  status: 'consistent' | 'drift';
  /** The nodes that differ from the most common endpoint set; on a tie, every node of the tie. */
  outliers: string[];
  /** No endpoint set is the most common: two or more are held by as many nodes. */
  tie: boolean;
  /** How many nodes were compared for the port: those whose input shows its endpoints, or shows it missing. */
  compared: number;
  /** Every node, by name (of a consistent port compared without CompareOptions.consistentNodes, only those not compared). */
  nodes: Record<string, NodePort>;
  /** The most common endpoint set, or null on a tie (or where no node can be compared). */
  majority: string[] | null;
  /** What each outlier lacks or has besides the majority (none on a tie: `nodes` shows each set). */
  differences: Difference[];
  /** With the cluster at hand: the ready endpoints of the port's EndpointSlices (null: not known). */
  expected: string[] | null;
  /** Nodes whose endpoints are not the expected ones. */
  stale: string[];
  /** How each stale node differs from the expected endpoints. */
  staleDifferences: Difference[];
}

export interface DriftNode {
  name: string;
  source: string;
  mode: ProxyMode | null;
  /** Why this node's input shows only some ports, or null. */
  partial: string | null;
}

export interface DriftReport {
  nodes: DriftNode[];
  /** Sorted by name, then protocol. */
  services: DriftService[];
  /** Whether the EndpointSlices were compared (`--all-nodes`). */
  withExpected: boolean;
  /** `notCompared`: of the consistent ports, those held against nothing (shown by fewer than two nodes, and no EndpointSlices known). */
  summary: { ports: number; drifting: number; consistent: number; notCompared: number; staleNodes: string[] };
}
