/**
 * What convergence means: for every port of every service that selects the workload, the
 * endpoints in the node's rules are exactly the ready endpoints of the service's EndpointSlices.
 */
import { isPodReady, type EndpointSlice, type Pod, type Service } from '../capture/kube-types';
import { servicePortName } from '../model/service';
import { SERVICE_NAME_LABEL, TRIGGER_TIME_ANNOTATION } from '../capture/kube-types';
import type { ServiceModel } from '../model/service';
import { endpointIp, joinHostPort } from '../model/addresses';

/** Service port name (as kube-proxy names it) → endpoint addresses. */
export type EndpointSets = Map<string, Set<string>>;

export function portNames(services: Service[]): string[] {
  return services.flatMap((s) => (s.spec.ports ?? []).map((p) => servicePortName(s.metadata.namespace ?? 'default', s.metadata.name, p.name)));
}

export interface ReadyEndpoint {
  address: string;
  /** When the slice last changed because of it (kube-proxy's programming-latency start), ms since epoch. */
  triggeredAt: number | null;
}

/** Ready endpoints per service port, from the EndpointSlices. */
export function expectedEndpoints(services: Service[], slices: EndpointSlice[]): Map<string, ReadyEndpoint[]> {
  const out = new Map<string, ReadyEndpoint[]>();
  for (const s of services) {
    const ns = s.metadata.namespace ?? 'default';
    const mine = slices.filter((sl) => sl.metadata.namespace === ns && sl.metadata.labels?.[SERVICE_NAME_LABEL] === s.metadata.name);
    for (const p of s.spec.ports ?? []) {
      const name = servicePortName(ns, s.metadata.name, p.name);
      const ready: ReadyEndpoint[] = [];
      for (const sl of mine) {
        const port = (sl.ports ?? []).find((sp) => (sp.name ?? '') === (p.name ?? ''))?.port;
        if (port === undefined) continue;
        const trigger = sl.metadata.annotations?.[TRIGGER_TIME_ANNOTATION];
        const triggeredAt = trigger ? Date.parse(trigger) : null;
        for (const ep of sl.endpoints ?? []) {
          if (ep.conditions?.ready === false) continue;
          for (const ip of ep.addresses) ready.push({ address: joinHostPort(ip, port), triggeredAt: Number.isNaN(triggeredAt) ? null : triggeredAt });
        }
      }
      out.set(name, ready);
    }
  }
  return out;
}

/** Endpoints the node's rules send each service port's traffic to. */
export function observedEndpoints(model: ServiceModel, names: string[]): EndpointSets {
  const wanted = new Set(names);
  const out: EndpointSets = new Map(names.map((n) => [n, new Set<string>()]));
  for (const port of model.ports) {
    if (!port.name || !wanted.has(port.name)) continue;
    const set = out.get(port.name) as Set<string>;
    for (const e of port.endpoints) if (e.address) set.add(e.address);
  }
  return out;
}

/** What is still missing or extra, per port; empty when converged. */
export function divergence(expected: Map<string, ReadyEndpoint[]>, observed: EndpointSets): string[] {
  const problems: string[] = [];
  for (const [name, ready] of expected) {
    const want = new Set(ready.map((r) => r.address));
    const have = observed.get(name) ?? new Set<string>();
    const missing = [...want].filter((a) => !have.has(a));
    const extra = [...have].filter((a) => !want.has(a));
    if (missing.length > 0) problems.push(`${name}: rules lack ${missing.join(', ')}`);
    if (extra.length > 0) problems.push(`${name}: rules still send traffic to ${extra.join(', ')} (not ready in the EndpointSlices)`);
  }
  return problems;
}

/**
 * Whether the EndpointSlices have caught up with the workload's pods: every ready pod of the
 * workload is a ready endpoint of every watched port, and no address that was one of its pods
 * (`workloadIps`: seen in any poll) is one while its pod is not ready, terminating or gone. Until
 * then, rules that match the slices prove nothing.
 */
export function slicesLagBehind(expected: Map<string, ReadyEndpoint[]>, pods: Pod[], workloadIps: ReadonlySet<string>): string[] {
  const ready = new Set(pods.filter(isPodReady).flatMap((p) => (p.status?.podIP ? [p.status.podIP] : [])));
  const lag: string[] = [];
  for (const [name, endpoints] of expected) {
    const ips = new Set(endpoints.map((e) => endpointIp(e.address)));
    const missing = [...ready].filter((ip) => !ips.has(ip));
    const stale = [...ips].filter((ip) => workloadIps.has(ip) && !ready.has(ip));
    if (missing.length + stale.length > 0) lag.push(`${name}: the EndpointSlices ${missing.length > 0 ? `lack ready pod ${missing.join(', ')}` : `still list ${stale.join(', ')}`}`);
  }
  return lag;
}

/** The pod IPs of the workload seen so far, with those of `pods` added. */
export function withPodIps(known: ReadonlySet<string>, pods: Pod[]): Set<string> {
  return new Set([...known, ...pods.flatMap((p) => (p.status?.podIP ? [p.status.podIP] : []))]);
}

/** A stable text for "the same rule state" across polls. */
export function fingerprint(sets: EndpointSets): string {
  return [...sets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, s]) => `${n}=${[...s].sort().join(',')}`).join(';');
}
