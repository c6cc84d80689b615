/**
 * What natdiff recorded about a capture, carried in a snapshot file's header (see
 * lib/snapshot/metadata.ts). The schemas are the definition: the types derive from them, and a
 * header read back from a file is checked against them.
 */
import { z } from 'zod';
import { podRefSchema } from './pods';
import { PROXY_MODES } from './service';

export const SOURCE_KINDS = ['local', 'netns', 'node', 'ssh', 'exec'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

const count = z.number().int().nonnegative();

export const servicePortInfoSchema = z.object({
  /** `ns/name:port`, or `ns/name` for an unnamed port: what kube-proxy hashes into chain names. */
  name: z.string(),
  protocol: z.string(),
  clusterIP: z.string().nullable(),
  port: count,
  nodePort: count.nullable(),
  /** The service's external IPs (spec.externalIPs), where it has any. */
  externalIPs: z.array(z.string()).optional(),
  /** Its load balancers' ingress IPs (status.loadBalancer.ingress), where it has any. */
  loadBalancerIPs: z.array(z.string()).optional(),
});

export type ServicePortInfo = z.infer<typeof servicePortInfoSchema>;


/**
 * How the mode of a capture was decided: `--mode`; kube-proxy's configuration seen through the
 * cluster (its ConfigMap, or its pod's `--proxy-mode` flag); or the rules found where they were read.
 */
export const MODE_DECIDERS = ['option', 'config', 'flag', 'rules'] as const;

export const modeDecisionSchema = z.object({
  mode: z.enum(PROXY_MODES),
  by: z.enum(MODE_DECIDERS),
  /** Why, in words: what was seen. */
  reason: z.string(),
});

export type ModeDecision = z.infer<typeof modeDecisionSchema>;

/** A part of a snapshot file: one command's output, loadable on its own by the tool that reads it back. */
export const snapshotPartSchema = z.object({
  /** `iptables`, `ipvs`, `nftables ip`, `nftables ip6`. */
  name: z.string(),
  command: z.array(z.string()),
  /** Its lines in the file, 1-based and inclusive. */
  lines: z.object({ first: count, last: count }),
  /** What loads it back: `iptables-restore`, `ipvsadm-restore`, `nft -f -`. */
  loadWith: z.string(),
});

export type SnapshotPart = z.infer<typeof snapshotPartSchema>;

export const snapshotMetadataSchema = z.object({
  formatVersion: count,
  /** UTC, ISO 8601. */
  capturedAt: z.string(),
  label: z.string().nullable(),
  source: z.object({ kind: z.enum(SOURCE_KINDS), target: z.string().nullable(), via: z.string().nullable(), command: z.array(z.string()) }),
  node: z.string().nullable(),
  kubeContext: z.string().nullable(),
  /** The mode whose rules the file holds (older files: kube-proxy's configured mode, when known). */
  kubeProxyMode: z.string().nullable(),
  /** How kubeProxyMode was decided. */
  kubeProxyModeDecision: modeDecisionSchema.omit({ mode: true }).optional(),
  iptables: z.object({ version: z.string().nullable(), backend: z.string().nullable() }),
  natdiffVersion: z.string(),
  /** Rules in the dump as natdiff reads them: iptables `-A` lines, nftables chain rules, IPVS real servers (and the iptables rules beside them). */
  rules: count,
  /** Endpoint IP → the pod behind it, from the EndpointSlices at capture time. */
  pods: z.record(z.string(), podRefSchema).optional(),
  servicePorts: z.array(servicePortInfoSchema).optional(),
  /** The node's addresses (its status.addresses), which carry its NodePorts. */
  nodeIPs: z.array(z.string()).optional(),
  /** The commands whose outputs the file holds, in file order (files written before parts were recorded have none). */
  parts: z.array(snapshotPartSchema).optional(),
});

export type SnapshotMetadata = z.infer<typeof snapshotMetadataSchema>;
