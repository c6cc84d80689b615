/**
 * Server-side printing: the meta.k8s.io/v1 Table that kubectl's default and `-o wide` output ask
 * for (Accept: ...;as=Table;v=v1;g=meta.k8s.io), with the columns of the real API's printers.
 */
import type { ResourceType } from './resources';
import type { EndpointSlice, KubeObject, Node, Pod, Service, Workload } from './types';

interface Column {
  name: string;
  type: 'string' | 'integer';
  format?: string;
  priority: number;
  cell: (o: KubeObject) => string | number;
}

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.startsWith('application/json;') && p.includes('as=Table') && p.includes('g=meta.k8s.io') && p.includes('v=v1');
  });
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(o: KubeObject): string {
  const created = o.metadata.creationTimestamp;
  return created ? humanDuration(Date.now() - Date.parse(created)) : '<unknown>';
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', priority: 0, cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', priority: 0, cell: age };

function podStatus(pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const s of pod.status.containerStatuses ?? []) {
    if (s.state.waiting) return s.state.waiting.reason;
    if (s.state.terminated && pod.status.phase !== 'Running') return s.state.terminated.reason;
  }
  return pod.status.phase;
}

function podColumns(): Column[] {
  const pod = (o: KubeObject): Pod => o as Pod;
  return [
    NAME,
    { name: 'Ready', type: 'string', priority: 0, cell: (o) => `${(pod(o).status.containerStatuses ?? []).filter((s) => s.ready).length}/${pod(o).spec.containers.length}` },
    { name: 'Status', type: 'string', priority: 0, cell: (o) => podStatus(pod(o)) },
    { name: 'Restarts', type: 'string', priority: 0, cell: (o) => String((pod(o).status.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => pod(o).status.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => pod(o).spec.nodeName ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ];
}

function nodeColumns(): Column[] {
  const node = (o: KubeObject): Node => o as Node;
  const address = (o: KubeObject, type: string): string => node(o).status.addresses.find((a) => a.type === type)?.address ?? '<none>';
  return [
    NAME,
    { name: 'Status', type: 'string', priority: 0, cell: (o) => (node(o).status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Ready' : 'NotReady') },
    { name: 'Roles', type: 'string', priority: 0, cell: () => '<none>' },
    AGE,
    { name: 'Version', type: 'string', priority: 0, cell: (o) => node(o).status.nodeInfo.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => address(o, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o) => address(o, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o) => node(o).status.nodeInfo.osImage ?? '' },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o) => node(o).status.nodeInfo.kernelVersion ?? '' },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o) => node(o).status.nodeInfo.containerRuntimeVersion ?? '' },
  ];
}

function selectorText(labels: Record<string, string>): string {
  const text = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
  return text || '<none>';
}

function serviceColumns(): Column[] {
  const svc = (o: KubeObject): Service => o as Service;
  return [
    NAME,
    { name: 'Type', type: 'string', priority: 0, cell: (o) => svc(o).spec.type },
    { name: 'Cluster-IP', type: 'string', priority: 0, cell: (o) => svc(o).spec.clusterIP },
    { name: 'External-IP', type: 'string', priority: 0, cell: (o) => (svc(o).spec.type === 'LoadBalancer' ? '<pending>' : '<none>') },
    { name: 'Port(s)', type: 'string', priority: 0, cell: (o) => svc(o).spec.ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',') },
    AGE,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(svc(o).spec.selector) },
  ];
}

function workloadColumns(kind: string): Column[] {
  const w = (o: KubeObject): Workload => o as Workload;
  const containers: Column = { name: 'Containers', type: 'string', priority: 1, cell: (o) => w(o).spec.template.spec.containers.map((c) => c.name).join(',') };
  const images: Column = { name: 'Images', type: 'string', priority: 1, cell: (o) => w(o).spec.template.spec.containers.map((c) => c.image).join(',') };
  const selector: Column = { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(w(o).spec.selector.matchLabels) };
  const readyOfDesired: Column = { name: 'Ready', type: 'string', priority: 0, cell: (o) => `${w(o).status.readyReplicas ?? 0}/${w(o).spec.replicas}` };
  switch (kind) {
    case 'Deployment':
      return [
        NAME,
        readyOfDesired,
        { name: 'Up-to-date', type: 'integer', priority: 0, cell: (o) => w(o).status.updatedReplicas ?? 0 },
        { name: 'Available', type: 'integer', priority: 0, cell: (o) => w(o).status.availableReplicas ?? 0 },
        AGE,
        containers,
        images,
        selector,
      ];
    case 'StatefulSet':
      return [NAME, readyOfDesired, AGE, containers, images];
    default:
      return [
        NAME,
        { name: 'Desired', type: 'integer', priority: 0, cell: (o) => w(o).spec.replicas },
        { name: 'Current', type: 'integer', priority: 0, cell: (o) => w(o).status.replicas ?? 0 },
        { name: 'Ready', type: 'integer', priority: 0, cell: (o) => w(o).status.readyReplicas ?? 0 },
        AGE,
        containers,
        images,
        selector,
      ];
  }
}

function sliceColumns(): Column[] {
  const slice = (o: KubeObject): EndpointSlice => o as EndpointSlice;
  const endpoints = (o: KubeObject): string => {
    const ips = (slice(o).endpoints ?? []).flatMap((e) => e.addresses);
    if (ips.length === 0) return '<unset>';
    return ips.length > 3 ? `${ips.slice(0, 3).join(',')} + ${ips.length - 3} more...` : ips.join(',');
  };
  return [
    NAME,
    { name: 'AddressType', type: 'string', priority: 0, cell: (o) => slice(o).addressType },
    { name: 'Ports', type: 'string', priority: 0, cell: (o) => (slice(o).ports ?? []).map((p) => p.port).join(',') || '<unset>' },
    { name: 'Endpoints', type: 'string', priority: 0, cell: endpoints },
    AGE,
  ];
}

function columnsFor(type: ResourceType): Column[] {
  switch (type.resource) {
    case 'pods':
      return podColumns();
    case 'nodes':
      return nodeColumns();
    case 'services':
      return serviceColumns();
    case 'deployments':
    case 'statefulsets':
    case 'replicasets':
      return workloadColumns(type.kind);
    case 'endpointslices':
      return sliceColumns();
    case 'namespaces':
      return [NAME, { name: 'Status', type: 'string', priority: 0, cell: (o) => (o as unknown as { status: { phase: string } }).status.phase }, AGE];
    default:
      return [NAME, AGE];
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The `includeObject` query parameter: what each row carries besides its cells. */
export function includeObject(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(o: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A Table of `objects`; `listMeta` is the list's metadata (resourceVersion, continue). */
export function toTable(type: ResourceType, objects: KubeObject[], listMeta: Record<string, unknown>, include: IncludeObject): object {
  const columns = columnsFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority })),
    rows: objects.map((o) => ({ cells: columns.map((c) => c.cell(o)), object: rowObject(o, include) })),
  };
}
