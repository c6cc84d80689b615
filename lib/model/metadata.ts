/**
 * What natdiff recorded about a capture, carried in a snapshot file's header (see
 * lib/snapshot/metadata.ts). The schemas are the definition: the types derive from them, and a
 * header read back from a file is checked against them.
 */
import { z } from 'zod';
import { podRefSchema } from './pods';

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
});

export type ServicePortInfo = z.infer<typeof servicePortInfoSchema>;

export const snapshotMetadataSchema = z.object({
  formatVersion: count,
  /** UTC, ISO 8601. */
  capturedAt: z.string(),
  label: z.string().nullable(),
  source: z.object({ kind: z.enum(SOURCE_KINDS), target: z.string().nullable(), via: z.string().nullable(), command: z.array(z.string()) }),
  node: z.string().nullable(),
  kubeContext: z.string().nullable(),
  kubeProxyMode: z.string().nullable(),
  iptables: z.object({ version: z.string().nullable(), backend: z.string().nullable() }),
  natdiffVersion: z.string(),
  /** `-A` lines in the dump. */
  rules: count,
  /** Endpoint IP → the pod behind it, from the EndpointSlices at capture time. */
  pods: z.record(z.string(), podRefSchema).optional(),
  servicePorts: z.array(servicePortInfoSchema).optional(),
});

export type SnapshotMetadata = z.infer<typeof snapshotMetadataSchema>;
