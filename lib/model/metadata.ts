/** What natdiff recorded about a capture, carried in a snapshot file's header (see lib/snapshot/metadata.ts). */
import type { PodRef } from './pods';

export type SourceKind = 'local' | 'netns' | 'node' | 'ssh' | 'exec';

export interface ServicePortInfo {
  /** `ns/name:port`, or `ns/name` for an unnamed port: what kube-proxy hashes into chain names. */
  name: string;
  protocol: string;
  clusterIP: string | null;
  port: number;
  nodePort: number | null;
}

export interface SnapshotMetadata {
  formatVersion: number;
  /** UTC, ISO 8601. */
  capturedAt: string;
  label: string | null;
  source: { kind: SourceKind; target: string | null; via: string | null; command: string[] };
  node: string | null;
  kubeContext: string | null;
  kubeProxyMode: string | null;
  iptables: { version: string | null; backend: string | null };
  natdiffVersion: string;
  /** `-A` lines in the dump. */
  rules: number;
  /** Endpoint IP → the pod behind it, from the EndpointSlices at capture time. */
  pods?: Record<string, PodRef>;
  servicePorts?: ServicePortInfo[];
}

