/**
 * Compares two service models port by port: which endpoints came and went, and how rule
 * probabilities and traffic shares were rebalanced. Endpoints are matched by address, so a
 * reordering that leaves every share as it was is not a change.
 */
import { displayName, type Diversion, type Endpoint, type EntryPointField, type ServiceModel, type ServicePort } from '../model/service';
import type { FieldChange, ServiceDiff, ServiceField } from './types';

const SHARE_EPSILON = 1e-9;

function endpointId(e: Endpoint): string {
  return e.address ?? e.ref ?? '?';
}

function list(values: readonly (string | number)[]): string {
  return values.length === 0 ? '-' : values.join(', ');
}

/** Rule probabilities in chain order, without the final unconditional rule. */
export function probabilities(port: ServicePort): number[] {
  return port.endpoints.flatMap((e) => (e.probability === null ? [] : [e.probability]));
}

function sharesText(endpoints: Endpoint[]): string {
  return endpoints.map((e) => `${endpointId(e)}=${e.share}`).join(', ');
}

function sameShares(a: Endpoint[], b: Endpoint[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(a.map((e) => [endpointId(e), e.share]));
  return b.every((e) => {
    const share = byId.get(endpointId(e));
    return share !== undefined && Math.abs(share - e.share) <= SHARE_EPSILON;
  });
}

/** `cluster drop 0.1=0.1, local other KUBE-SVC-X -=0.05`, or `-`: where each diverted share goes (and its rule's probability), in any rule order. */
function divertedText(diverted: Diversion[]): string {
  return diverted.length === 0 ? '-' : diverted.map((d) => `${d.list} ${d.action}${d.ref === null ? '' : ` ${d.ref}`} ${d.probability ?? '-'}=${d.share}`).sort().join(', ');
}

function sameOrder(a: Endpoint[], b: Endpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => endpointId(e) === endpointId(b[i] as Endpoint));
}

/** What one side of a pair cannot show is not compared: entry points a partial dump lacks, endpoints a fragment lacks. */
interface Blind {
  unseen: ReadonlySet<EntryPointField>;
  endpoints: boolean;
}

function fieldChanges(before: ServicePort, after: ServicePort, blind: Blind): FieldChange[] {
  const changes: FieldChange[] = [];
  const check = (field: ServiceField, b: string, a: string): void => {
    if (b !== a) changes.push({ field, before: b, after: a });
  };
  const seen = (field: EntryPointField): boolean => !blind.unseen.has(field);
  // A cluster IP is often still read from the service chain of a dump without KUBE-SERVICES.
  if (seen('clusterIP') || (before.clusterIP !== null && after.clusterIP !== null)) {
    check('clusterIP', before.clusterIP ?? '-', after.clusterIP ?? '-');
    check('port', String(before.port ?? '-'), String(after.port ?? '-'));
  }
  if (seen('nodePorts')) check('nodePorts', list(before.nodePorts), list(after.nodePorts));
  if (seen('externalIPs')) check('externalIPs', list(before.externalIPs), list(after.externalIPs));
  if (seen('loadBalancerIPs')) check('loadBalancerIPs', list(before.loadBalancerIPs), list(after.loadBalancerIPs));
  check('affinity', before.affinitySeconds === null ? 'none' : `ClientIP ${before.affinitySeconds}s`, after.affinitySeconds === null ? 'none' : `ClientIP ${after.affinitySeconds}s`);
  check('noEndpoints', before.noEndpoints ?? '-', after.noEndpoints ?? '-');
  check('noLocalEndpoints', String(before.noLocalEndpoints), String(after.noLocalEndpoints));
  if (blind.endpoints) return changes;
  const pb = probabilities(before).join('/');
  const pa = probabilities(after).join('/');
  if (pb !== pa) changes.push({ field: 'probabilities', before: pb || '-', after: pa || '-' });
  if (!sameShares(before.endpoints, after.endpoints)) {
    changes.push({ field: 'shares', before: sharesText(before.endpoints), after: sharesText(after.endpoints) });
  }
  check('diverted', divertedText(before.diverted), divertedText(after.diverted));
  const lb = before.localEndpoints ?? [];
  const la = after.localEndpoints ?? [];
  if ((before.localEndpoints === null) !== (after.localEndpoints === null) || !sameShares(lb, la)) {
    changes.push({ field: 'localEndpoints', before: before.localEndpoints ? sharesText(lb) : 'none', after: after.localEndpoints ? sharesText(la) : 'none' });
  }
  return changes;
}

function addedIds(from: Endpoint[], to: Endpoint[]): string[] {
  const have = new Set(from.map(endpointId));
  return [...new Set(to.map(endpointId))].filter((id) => !have.has(id));
}

export interface ServicesDiff {
  services: ServiceDiff[];
  /** Services whose endpoints were reordered with every share unchanged. */
  endpointOrderNoEffect: number;
}

export function diffServices(before: ServiceModel, after: ServiceModel): ServicesDiff {
  const afterByKey = new Map(after.ports.map((p) => [p.key, p]));
  const beforeKeys = new Set(before.ports.map((p) => p.key));
  const unseen = new Set([...before.unseen, ...after.unseen]);
  const services: ServiceDiff[] = [];
  let endpointOrderNoEffect = 0;
  for (const b of before.ports) {
    const a = afterByKey.get(b.key) ?? null;
    const d = a || after.complete ? pair(b, a, { unseen, endpoints: a !== null && (!b.endpointsShown || !a.endpointsShown) }) : notCompared(b, null);
    if (a && d.status === 'unchanged' && !sameOrder(b.endpoints, a.endpoints)) endpointOrderNoEffect++;
    services.push(d);
  }
  for (const a of after.ports) if (!beforeKeys.has(a.key)) services.push(before.complete ? pair(null, a, { unseen, endpoints: false }) : notCompared(null, a));
  services.sort(byLabel);
  return { services, endpointOrderNoEffect };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By name, then protocol: `dns` before `dns-tcp`, as people read them. */
function byLabel(x: ServiceDiff, y: ServiceDiff): number {
  return compare(x.label, y.label) || compare(x.protocol ?? '', y.protocol ?? '') || compare(x.key, y.key);
}

function sameList<T>(a: readonly T[] | null, b: readonly T[] | null, same: (x: T, y: T) => boolean): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => same(x, b[i] as T));
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.ref === b.ref && a.probability === b.probability && a.share === b.share && a.issues.length === b.issues.length;
}

function sameDiversion(a: Diversion, b: Diversion): boolean {
  return a.list === b.list && a.action === b.action && a.ref === b.ref && a.probability === b.probability && a.share === b.share;
}

const is = <T>(a: T, b: T): boolean => a === b;

/** Equal in every field, checked without building any text: most services of a diff are. */
function samePort(b: ServicePort, a: ServicePort): boolean {
  return (
    b.clusterIP === a.clusterIP && b.port === a.port && b.affinitySeconds === a.affinitySeconds && b.noEndpoints === a.noEndpoints && b.noLocalEndpoints === a.noLocalEndpoints &&
    sameList(b.nodePorts, a.nodePorts, is) && sameList(b.externalIPs, a.externalIPs, is) && sameList(b.loadBalancerIPs, a.loadBalancerIPs, is) &&
    sameList(b.endpoints, a.endpoints, sameEndpoint) && sameList(b.localEndpoints, a.localEndpoints, sameEndpoint) && sameList(b.diverted, a.diverted, sameDiversion)
  );
}

function notCompared(before: ServicePort | null, after: ServicePort | null): ServiceDiff {
  const either = (after ?? before) as ServicePort;
  return { key: either.key, name: either.name, label: displayName(either), protocol: either.protocol, status: 'not-compared', before, after, endpointsAdded: [], endpointsRemoved: [], changes: [] };
}

function pair(before: ServicePort | null, after: ServicePort | null, blind: Blind): ServiceDiff {
  const either = (after ?? before) as ServicePort;
  if (before && after && samePort(before, after)) {
    return { key: either.key, name: after.name ?? before.name, label: displayName(either), protocol: either.protocol, status: 'unchanged', before, after, endpointsAdded: [], endpointsRemoved: [], changes: [] };
  }
  const endpointsAdded = blind.endpoints ? [] : addedIds(before?.endpoints ?? [], after?.endpoints ?? []);
  const endpointsRemoved = blind.endpoints ? [] : addedIds(after?.endpoints ?? [], before?.endpoints ?? []);
  const changes = before && after ? fieldChanges(before, after, blind) : [];
  const status = !before ? 'added' : !after ? 'removed' : changes.length > 0 || endpointsAdded.length + endpointsRemoved.length > 0 ? 'changed' : 'unchanged';
  return {
    key: either.key,
    name: after?.name ?? before?.name ?? null,
    label: displayName(either),
    protocol: either.protocol,
    status,
    before,
    after,
    endpointsAdded,
    endpointsRemoved,
    changes,
  };
}
