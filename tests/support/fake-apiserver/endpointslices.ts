/**
 * The EndpointSlice controller: one slice per selector-based Service, listing the pods that match
 * the selector (ready, serving, terminating as the real controller sets them). Runs
 * endpointSliceMs after pods or services change.
 */
import { endpointSliceObject, isPodReady } from './objects';
import { labelsMatch } from './selectors';
import type { ClusterState } from './state';
import { now } from './store';
import type { Endpoint, EndpointSlice, Pod, Service } from './types';
import type { Timers } from './timers';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

function ipKey(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function endpointFor(pod: Pod): Endpoint {
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const ready = isPodReady(pod);
  return {
    addresses: [pod.status.podIP ?? ''],
    conditions: { ready: ready && !terminating, serving: ready, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, uid: pod.metadata.uid ?? '' },
    nodeName: pod.spec.nodeName ?? '',
  };
}

function desiredEndpoints(service: Service, pods: Pod[]): Endpoint[] {
  return pods
    .filter((p) => labelsMatch(service.spec.selector, p.metadata.labels))
    .filter((p) => p.status.podIP && p.spec.nodeName && p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed')
    .sort((a, b) => ipKey(a.status.podIP ?? '') - ipKey(b.status.podIP ?? ''))
    .map(endpointFor);
}

function desiredPorts(service: Service): NonNullable<EndpointSlice['ports']> {
  return service.spec.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.targetPort }));
}

export class EndpointSliceController {
  constructor(
    private readonly state: ClusterState,
    private readonly timers: Timers,
    private readonly delayMs: number,
  ) {}

  start(): () => void {
    return this.state.store.subscribe((event) => {
      if (event.resource === 'pods' || event.resource === 'services') {
        this.timers.once('endpointslices', this.delayMs, () => this.sync());
      }
    });
  }

  sync(): void {
    const { store } = this.state;
    for (const service of store.list<Service>('services')) {
      if (Object.keys(service.spec.selector).length === 0) continue;
      const pods = store.list<Pod>('pods', service.metadata.namespace);
      this.syncService(service, desiredEndpoints(service, pods));
    }
  }

  private syncService(service: Service, endpoints: Endpoint[]): void {
    const { store } = this.state;
    const ns = service.metadata.namespace;
    const existing = store
      .list<EndpointSlice>('endpointslices', ns)
      .find((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === service.metadata.name);
    // The real controller writes null, not [], for a slice that has nothing to list.
    const content = endpoints.length
      ? { endpoints, ports: desiredPorts(service) }
      : { endpoints: null, ports: null };
    if (!existing) {
      const name = this.state.names.next(`${service.metadata.name}-`, (n) => store.has('endpointslices', ns, n));
      const slice = { ...endpointSliceObject(service, name), ...content };
      slice.metadata.annotations = { [TRIGGER_TIME]: now() };
      store.create('endpointslices', slice);
      return;
    }
    if (JSON.stringify(existing.endpoints) === JSON.stringify(content.endpoints) && JSON.stringify(existing.ports) === JSON.stringify(content.ports)) return;
    store.update('endpointslices', {
      ...existing,
      metadata: { ...existing.metadata, generation: (existing.metadata.generation ?? 1) + 1, annotations: { ...existing.metadata.annotations, [TRIGGER_TIME]: now() } },
      ...content,
    });
  }
}
