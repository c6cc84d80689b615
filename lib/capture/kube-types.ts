/**
 * The few fields of Kubernetes objects natdiff reads, as `kubectl get -o json` prints them. The
 * schemas are the definition: kubectl's JSON is checked against them (Kubectl.json), and the
 * types derive from them. Fields Kubernetes may print as null (nil lists, unset pointers) allow it.
 */
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

export const objectMetaSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  labels: labels.optional(),
  annotations: labels.optional(),
  deletionTimestamp: z.string().nullish(),
  generation: z.number().optional(),
});

export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/** `{ items: [...] }`: what `kubectl get KIND -o json` prints for a list. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

export const podSchema = z.object({
  metadata: objectMetaSchema,
  spec: z.object({
    nodeName: z.string().optional(),
    containers: z.array(
      z.object({
        name: z.string(),
        command: z.array(z.string()).nullish(),
        args: z.array(z.string()).nullish(),
        volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), subPath: z.string().nullish() })).nullish(),
      }),
    ),
    volumes: z
      .array(z.object({ name: z.string(), configMap: z.object({ name: z.string(), items: z.array(z.object({ key: z.string(), path: z.string() })).nullish() }).nullish() }))
      .nullish(),
  }),
  status: z
    .object({
      phase: z.string().optional(),
      podIP: z.string().optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.string(), lastTransitionTime: z.string().nullish() })).nullish(),
      containerStatuses: z.array(z.object({ state: z.object({ terminated: z.object({ exitCode: z.number(), reason: z.string().optional() }).optional() }).optional() })).nullish(),
    })
    .optional(),
});

export type Pod = z.infer<typeof podSchema>;

export const nodeSchema = z.object({ metadata: objectMetaSchema });

/** A node's addresses (`kubectl get node NAME`). */
export const nodeAddressesSchema = z.object({
  status: z.object({ addresses: z.array(z.object({ type: z.string(), address: z.string() })).nullish() }).optional(),
});

export type Node = z.infer<typeof nodeSchema>;

export const serviceSchema = z.object({
  metadata: objectMetaSchema,
  spec: z.object({
    clusterIP: z.string().optional(),
    selector: labels.optional(),
    ports: z
      .array(z.object({ name: z.string().optional(), port: z.number(), protocol: z.string().optional(), nodePort: z.number().optional(), targetPort: z.union([z.number(), z.string()]).optional() }))
      .nullish(),
    type: z.string().optional(),
    externalIPs: z.array(z.string()).nullish(),
  }),
  status: z.object({ loadBalancer: z.object({ ingress: z.array(z.object({ ip: z.string().optional() })).nullish() }).optional() }).optional(),
});

export type Service = z.infer<typeof serviceSchema>;

export const endpointSliceSchema = z.object({
  metadata: objectMetaSchema,
  addressType: z.string(),
  endpoints: z
    .array(
      z.object({
        addresses: z.array(z.string()),
        conditions: z.object({ ready: z.boolean().nullish(), serving: z.boolean().nullish(), terminating: z.boolean().nullish() }).optional(),
        nodeName: z.string().optional(),
        targetRef: z.object({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() }).optional(),
      }),
    )
    .nullish(),
  ports: z.array(z.object({ name: z.string().optional(), port: z.number().optional(), protocol: z.string().optional() })).nullish(),
});

export type EndpointSlice = z.infer<typeof endpointSliceSchema>;

export const workloadSchema = z.object({
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z.object({
    replicas: z.number().optional(),
    selector: z.object({ matchLabels: labels.optional() }).optional(),
    template: z.object({ metadata: z.object({ labels: labels.optional() }).optional() }).optional(),
  }),
  status: z
    .object({ replicas: z.number().optional(), readyReplicas: z.number().optional(), availableReplicas: z.number().optional(), updatedReplicas: z.number().optional(), observedGeneration: z.number().optional() })
    .optional(),
});

export type Workload = z.infer<typeof workloadSchema>;

export const configMapSchema = z.object({ metadata: objectMetaSchema, data: labels.optional() });

export type ConfigMap = z.infer<typeof configMapSchema>;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/** Ready and not on its way out. */
export function isPodReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
