/**
 * The result of comparing two snapshots: one report model that every writer (text, Markdown,
 * JSON, YAML) renders. Order changes are first-class and kept apart from real changes.
 */
import type { Warning } from '../errors';
import type { PodRef } from '../model/pods';
import type { Rule } from '../model/ruleset';
import type { ProxyMode, Protocol, ServicePort } from '../model/service';
import type { FindingKind, RuleAccount } from '../model/snapshot';

/**
 * `not-compared`: the port is in one input only, and the other cannot show it (a fragment, a dump
 * of another proxy mode): whether it still exists there is unknown, so it is neither removed nor
 * added.
 */
export type ServiceStatus = 'added' | 'removed' | 'changed' | 'unchanged' | 'not-compared';

export type ServiceField =
  | 'clusterIP'
  | 'port'
  | 'nodePorts'
  | 'externalIPs'
  | 'loadBalancerIPs'
  /** External and load-balancer IPs as one list, where a side cannot tell which is which. */
  | 'entryIPs'
  | 'affinity'
  | 'noEndpoints'
  | 'noLocalEndpoints'
  | 'probabilities'
  | 'shares'
  | 'localEndpoints'
  | 'diverted'
  | 'balancing';

export interface FieldChange {
  field: ServiceField;
  before: string;
  after: string;
}

export interface ServiceDiff {
  key: string;
  /** `ns/name:port`, or null when neither snapshot names it. */
  name: string | null;
  /** What to call it on screen: the name, or `clusterIP:port/protocol`, or its chain. */
  label: string;
  protocol: Protocol | null;
  status: ServiceStatus;
  before: ServicePort | null;
  after: ServicePort | null;
  endpointsAdded: string[];
  endpointsRemoved: string[];
  /** Every field that differs (empty for added, removed and unchanged services). */
  changes: FieldChange[];
}

export interface RuleRef {
  line: number;
  /** The canonical rule, comment included. */
  text: string;
  /** Key of the service this rule belongs to or routes to, when it is one of kube-proxy's. */
  service: string | null;
  /**
   * How that snapshot's service model accounts for the rule (see RuleAccount): only a `modelled`
   * rule's change is told by its service's change. Set by diffSnapshots (null before).
   */
  model: RuleAccount | null;
}

export type ChainStatus = 'added' | 'removed' | 'changed' | 'renamed';

/** How a change of rule order inside a chain affects packets. */
export type OrderEffect = 'none' | 'possible';

export interface ChainDiff {
  table: string;
  /** The chain's name in the after snapshot (the before name for removed chains). */
  name: string;
  status: ChainStatus;
  renamedFrom: string | null;
  /** Key of the service this chain implements, or that its changed rules route to. */
  service: string | null;
  policy: { before: string | null; after: string | null } | null;
  /** How the chain is declared besides its rules (an nft base chain's hook and priority, a set's type and flags), when that changed. */
  declaration: { before: string | null; after: string | null } | null;
  added: RuleRef[];
  removed: RuleRef[];
  /** Same rule, different parameters (a re-weighted load-balancing rule). */
  changed: { before: RuleRef; after: RuleRef }[];
  /** Set when the rules common to both snapshots appear in another order. */
  reordered: OrderEffect | null;
  /**
   * Every rule of the chain on each side, for a normalized textual diff (see diff/listing.ts);
   * not part of the JSON document.
   */
  rules: { before: readonly Rule[]; after: readonly Rule[]; beforeName: string; orderIsNoise: boolean };
}

export interface Noise {
  /** Rules equal in meaning but written differently (quoting, argument order, defaults, precision). */
  formattingOnly: number;
  /** Rules equal in meaning whose comment changed (or was dropped, as kube-proxy does above 1000 endpoints). */
  commentOnly: number;
  /** Chains whose rule order changed with no effect on any packet. */
  reorderedNoEffect: string[];
  /** Chains declared in another order. */
  declarationOrder: boolean;
  /** Packet and byte counters were present and ignored. */
  counters: boolean;
  /** Those counters differ between the inputs (a dump against itself has the same). */
  countersDiffer: boolean;
  /** Empty ACCEPT built-in chains present on one side only (restore payloads do not declare them). */
  implicitBuiltins: number;
  /** Services whose endpoints were reordered with the same shares. */
  endpointOrderNoEffect: number;
}

/** Which input something comes from: both when the two inputs say the same thing. */
export type Side = 'before' | 'after' | 'both';

export interface ReportFinding {
  side: Side;
  kind: FindingKind;
  message: string;
  line: number | null;
}

/** A warning about the input; `both` when the two inputs warn alike at the same line (`source` is then the before input). */
export interface ReportWarning extends Warning {
  side: Side;
}

export interface SnapshotInfo {
  source: string;
  format: string;
  family: 'ipv4' | 'ipv6';
  generator: string | null;
  version: string | null;
  backend: string | null;
  tables: string[];
  assumedTable: string | null;
  /** The kube-proxy mode of its rules; null when it holds none. */
  mode: ProxyMode | null;
  /** Why it holds only part of its tables, or null (see Snapshot.partial). */
  partial: string | null;
}

export type ServiceCounts = Record<Exclude<ServiceStatus, 'not-compared'> | 'notCompared', number>;

export interface Summary {
  /** Service ports (the entries of `services`) by status. */
  servicesAdded: number;
  servicesRemoved: number;
  servicesChanged: number;
  servicesUnchanged: number;
  /** Ports in one input only that the other cannot show (a fragment, another mode). */
  servicesNotCompared: number;
  /** Services (`ns/name`; a port whose rules carry no name counts alone) by status: see groupServices. */
  byService: ServiceCounts;
  endpointsAdded: number;
  endpointsRemoved: number;
  chainsAdded: number;
  chainsRemoved: number;
  chainsRenamed: number;
  /** Chains in one input only that the other, a part of its tables, may hold: not compared. */
  chainsNotCompared: number;
  rulesAdded: number;
  rulesRemoved: number;
  rulesChanged: number;
  /** Chains whose order changed in a way that may change behaviour. */
  chainsReordered: number;
  /** Any semantic difference at all: what the exit code reports. */
  changed: boolean;
}

export interface DiffReport {
  before: SnapshotInfo;
  after: SnapshotInfo;
  /** The table asked for (or 'all'), else the tables compared rule by rule, comma-separated ('none' when none could be). */
  table: string;
  /**
   * Set when the two sides run different proxy modes: services are compared by endpoints and
   * shares, and kube-proxy's own chains, which differ as the modes do, are counted, not listed.
   */
  acrossModes: { kubeProxyChains: number } | null;
  services: ServiceDiff[];
  chains: ChainDiff[];
  noise: Noise;
  findings: ReportFinding[];
  warnings: ReportWarning[];
  /** Endpoint IP → pod, from the snapshots' metadata (after wins); empty for plain dumps. */
  pods: Record<string, PodRef>;
  /** Tables both snapshots hold that were not compared (see `table`) and are written differently. */
  otherTablesDiffer: string[];
  summary: Summary;
}
