/**
 * Compares two service models port by port: which endpoints came and went, and how rule
 * probabilities and traffic shares were rebalanced. Endpoints are matched by address, so a
 * reordering that leaves every share as it was is not a change.
 */
import { displayName, unnamedPortKey, type Diversion, type Endpoint, type ModelField, type ServiceModel, type ServicePort } from '../model/service';
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

/**
 * What a pair of models can compare. What either input cannot show is not compared (entry points a
 * partial dump lacks, shares a listing without weights assumes, affinity a listing hides), nor,
 * across proxy modes, what each mode says in its own terms (rule probabilities, balancing terms).
 */
interface Scope {
  unseen: ReadonlySet<ModelField>;
  acrossModes: boolean;
}

/** The scope of one pair of ports: `endpoints` when a side does not hold the port's endpoint rules. */
interface Blind extends Scope {
  endpoints: boolean;
}

function idsText(endpoints: Endpoint[]): string {
  return endpoints.map(endpointId).sort().join(', ');
}

function fieldChanges(before: ServicePort, after: ServicePort, blind: Blind, endpointsMoved: boolean): FieldChange[] {
  const changes: FieldChange[] = [];
  const check = (field: ServiceField, b: string, a: string): void => {
    if (b !== a) changes.push({ field, before: b, after: a });
  };
  const seen = (field: ModelField): boolean => !blind.unseen.has(field);
  // A cluster IP is often still read from the service chain of a dump without KUBE-SERVICES.
  if (seen('clusterIP') || (before.clusterIP !== null && after.clusterIP !== null)) {
    check('clusterIP', before.clusterIP ?? '-', after.clusterIP ?? '-');
    check('port', String(before.port ?? '-'), String(after.port ?? '-'));
  }
  if (seen('nodePorts')) check('nodePorts', list(before.nodePorts), list(after.nodePorts));
  if (!seen('ipRoles')) {
    if (seen('externalIPs') && seen('loadBalancerIPs')) check('entryIPs', list([...before.externalIPs, ...before.loadBalancerIPs].sort()), list([...after.externalIPs, ...after.loadBalancerIPs].sort()));
  } else {
    if (seen('externalIPs')) check('externalIPs', list(before.externalIPs), list(after.externalIPs));
    if (seen('loadBalancerIPs')) check('loadBalancerIPs', list(before.loadBalancerIPs), list(after.loadBalancerIPs));
  }
  if (seen('affinity')) check('affinity', before.affinitySeconds === null ? 'none' : `ClientIP ${before.affinitySeconds}s`, after.affinitySeconds === null ? 'none' : `ClientIP ${after.affinitySeconds}s`);
  check('noEndpoints', before.noEndpoints ?? '-', after.noEndpoints ?? '-');
  const localSeen = seen('localEndpoints');
  if (localSeen) check('noLocalEndpoints', String(before.noLocalEndpoints), String(after.noLocalEndpoints));
  if (blind.endpoints) return changes;
  if (!blind.acrossModes) {
    const pb = probabilities(before).join('/');
    const pa = probabilities(after).join('/');
    if (pb !== pa) changes.push({ field: 'probabilities', before: pb || '-', after: pa || '-' });
  }
  const sharesSeen = seen('shares');
  if (sharesSeen && !sameShares(before.endpoints, after.endpoints)) {
    changes.push({ field: 'shares', before: sharesText(before.endpoints), after: sharesText(after.endpoints) });
  }
  check('diverted', divertedText(before.diverted), divertedText(after.diverted));
  const lb = before.localEndpoints ?? [];
  const la = after.localEndpoints ?? [];
  const localText = (port: ServicePort, endpoints: Endpoint[]): string => (port.localEndpoints === null ? 'none' : sharesSeen ? sharesText(endpoints) : idsText(endpoints));
  if (localSeen && ((before.localEndpoints === null) !== (after.localEndpoints === null) || (sharesSeen ? !sameShares(lb, la) : idsText(lb) !== idsText(la)))) {
    changes.push({ field: 'localEndpoints', before: localText(before, lb), after: localText(after, la) });
  }
  // The dataplane's own balancing terms say how a change of endpoints or shares was written; alone
  // (a kube-proxy upgrade writing the same shares another way) they change nothing.
  if (!blind.acrossModes && (changes.length > 0 || endpointsMoved)) check('balancing', before.balancing ?? '-', after.balancing ?? '-');
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

/** `clusterIP:port/protocol`: what pairs a port a side does not name with the other side's. */
function addressOf(p: ServicePort): string | null {
  return p.clusterIP !== null && p.port !== null ? unnamedPortKey(p.clusterIP, p.port, p.protocol) : null;
}

/**
 * The after-side port of the same key as `b`. Kube-proxy never gives two ports one name, but a
 * dump may (edited, or comments that lie): those pair by what implements them (their chains),
 * then by address, then in order — never at random, so that a dump diffed with itself says
 * nothing changed.
 */
function sameKey(b: ServicePort, candidates: ServicePort[] | undefined, taken: ReadonlySet<ServicePort>): ServicePort | undefined {
  const only = candidates?.length === 1 ? candidates[0] : undefined;
  if (!candidates || only) return only && !taken.has(only) ? only : undefined;
  const free = candidates.filter((a) => !taken.has(a));
  if (free.length <= 1) return free[0];
  return free.find((a) => a.refs.join() === b.refs.join()) ?? free.find((a) => addressOf(a) === addressOf(b)) ?? free[0];
}

/**
 * Ports paired by key, then, among those left, by address where one side does not name its port
 * (IPVS holds no names; a dump above 1000 endpoints has no comments).
 */
function pairPorts(before: ServicePort[], after: ServicePort[]): { pairs: [ServicePort, ServicePort][]; onlyBefore: ServicePort[]; onlyAfter: ServicePort[] } {
  const afterByKey = new Map<string, ServicePort[]>();
  for (const a of after) {
    const same = afterByKey.get(a.key);
    if (same) same.push(a);
    else afterByKey.set(a.key, [a]);
  }
  const pairs: [ServicePort, ServicePort][] = [];
  const onlyBefore: ServicePort[] = [];
  const taken = new Set<ServicePort>();
  for (const b of before) {
    const a = sameKey(b, afterByKey.get(b.key), taken);
    if (a) {
      pairs.push([b, a]);
      taken.add(a);
    } else {
      onlyBefore.push(b);
    }
  }
  let onlyAfter = after.filter((a) => !taken.has(a));
  if (onlyBefore.length === 0 || onlyAfter.length === 0) return { pairs, onlyBefore, onlyAfter };
  const afterByAddress = new Map<string, ServicePort[]>();
  for (const a of onlyAfter) {
    const at = addressOf(a);
    if (at !== null) afterByAddress.set(at, [...(afterByAddress.get(at) ?? []), a]);
  }
  const unpaired: ServicePort[] = [];
  for (const b of onlyBefore) {
    const at = addressOf(b);
    const candidates = at === null ? undefined : afterByAddress.get(at);
    const a = candidates?.length === 1 ? candidates[0] : undefined;
    if (a && (a.name === null || b.name === null)) {
      pairs.push([b, a]);
      taken.add(a);
      afterByAddress.delete(at as string);
    } else {
      unpaired.push(b);
    }
  }
  onlyAfter = onlyAfter.filter((a) => !taken.has(a));
  return { pairs, onlyBefore: unpaired, onlyAfter };
}

export function diffServices(before: ServiceModel, after: ServiceModel): ServicesDiff {
  const scope: Scope = {
    unseen: new Set([...before.unseen, ...after.unseen]),
    acrossModes: before.mode !== null && after.mode !== null && before.mode !== after.mode,
  };
  const { pairs, onlyBefore, onlyAfter } = pairPorts(before.ports, after.ports);
  const services: ServiceDiff[] = [];
  let endpointOrderNoEffect = 0;
  for (const [b, a] of pairs) {
    const unseen = b.unseen.length + a.unseen.length === 0 ? scope.unseen : new Set([...scope.unseen, ...b.unseen, ...a.unseen]);
    const d = pair(b, a, { ...scope, unseen, endpoints: !b.endpointsShown || !a.endpointsShown });
    if (d.status === 'unchanged' && !sameOrder(b.endpoints, a.endpoints)) endpointOrderNoEffect++;
    services.push(d);
  }
  for (const b of onlyBefore) services.push(after.complete ? pair(b, null, { ...scope, endpoints: false }) : notCompared(b, null));
  for (const a of onlyAfter) services.push(before.complete ? pair(null, a, { ...scope, endpoints: false }) : notCompared(null, a));
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
  // Paired by address, a port keeps the name (and key) of the side that names it.
  const either = (after?.name !== null && after ? after : (before ?? after)) as ServicePort;
  if (before && after && samePort(before, after)) {
    return { key: either.key, name: after.name ?? before.name, label: displayName(either), protocol: either.protocol, status: 'unchanged', before, after, endpointsAdded: [], endpointsRemoved: [], changes: [] };
  }
  const endpointsAdded = blind.endpoints ? [] : addedIds(before?.endpoints ?? [], after?.endpoints ?? []);
  const endpointsRemoved = blind.endpoints ? [] : addedIds(after?.endpoints ?? [], before?.endpoints ?? []);
  const changes = before && after ? fieldChanges(before, after, blind, endpointsAdded.length + endpointsRemoved.length > 0) : [];
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
