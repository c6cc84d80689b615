/**
 * Compares the nodes' digests port by port: the endpoint set (and shares) most nodes hold is the
 * reference, and the nodes that differ from it are the outliers; where no set is held by more
 * nodes than every other, that is a tie, and no node is picked as the odd one. With the cluster's
 * EndpointSlices at hand, every node is also held to the ready endpoints they list, so a stale
 * node is named even when it is alone or half of the nodes are stale. What an input cannot show
 * (endpoints it does not hold, ports a partial dump lacks) is never a difference: that node is
 * "not comparable" for that port, and says why.
 */
import type { Protocol } from '../model/service';
import type { NodeDigest, PortDigest } from './digest';
import { summarizeDrift } from './filter';
import type { Difference, DriftReport, DriftService, NodePort } from './types';

/** A service port as the EndpointSlices have it. */
export interface ExpectedPort {
  /** `ns/name:port`. */
  name: string;
  protocol: Protocol;
  /** `clusterIP:port/protocol`, or null (headless services have none). */
  address: string | null;
  /** Ready endpoints, `ip:port`. */
  endpoints: string[];
}

/**
 * The intended state, read from the cluster more than once (before and after the nodes were
 * captured): a node whose endpoints are those of any reading was right when it was read.
 */
export type ExpectedReadings = readonly (readonly ExpectedPort[])[];

const ABSENT = '\0absent';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { name: string; protocol: string | null; key: string }>(x: T, y: T): number {
  return compare(x.name, y.name) || compare(x.protocol ?? '', y.protocol ?? '') || compare(x.key, y.key);
}

/** A port's key as named elsewhere: `clusterIP:port/protocol` of a port no node names, when the address is named by exactly one key. */
function resolver(digests: readonly NodeDigest[], expected: ExpectedReadings): (p: PortDigest) => string {
  const named = new Map<string, Set<string>>();
  const add = (address: string | null, key: string) => {
    if (address === null) return;
    const keys = named.get(address) ?? new Set<string>();
    keys.add(key);
    named.set(address, keys);
  };
  for (const d of digests) for (const p of d.ports) if (p.named) add(p.address, p.key);
  for (const reading of expected) for (const e of reading) add(e.address, `${e.name}/${e.protocol}`);
  return (p) => {
    if (p.named || p.address === null) return p.key;
    const keys = named.get(p.address);
    return keys?.size === 1 ? ([...keys][0] as string) : p.key;
  };
}

interface Identity {
  key: string;
  name: string;
  protocol: Protocol | null;
  named: boolean;
  /** Per node (by its place among the nodes, in name order), its port; undefined where it has none. */
  ports: (PortDigest | undefined)[];
}

function identities(digests: readonly NodeDigest[], expected: ExpectedReadings): Map<string, Identity> {
  const keyOf = resolver(digests, expected);
  const ids = new Map<string, Identity>();
  const identity = (key: string, name: string, protocol: Protocol | null, named: boolean): Identity => {
    let id = ids.get(key);
    if (!id) ids.set(key, (id = { key, name, protocol, named, ports: new Array<PortDigest | undefined>(digests.length) }));
    if (named && !id.named) Object.assign(id, { name, named });
    return id;
  };
  digests.forEach((d, at) => {
    for (const p of d.ports) {
      const key = keyOf(p);
      // Resolved by its address, an unnamed port takes the name it resolved to (`ns/name:port/protocol`).
      const resolved = key !== p.key;
      identity(key, resolved ? key.slice(0, key.lastIndexOf('/')) : p.label, p.protocol, p.named || resolved).ports[at] = p;
    }
  });
  for (const reading of expected) for (const e of reading) identity(`${e.name}/${e.protocol}`, e.name, e.protocol, true);
  return ids;
}

const NOT_IDENTIFIED = "which service port it serves cannot be told: its input names no port and tells no entry point apart (capture it with natdiff snap, which records the cluster's service ports)";

/**
 * What each node holds of one port: a class key (its endpoints, and shares where compared) or why
 * it cannot be compared. Nodes that hold the port alike share one NodePort object.
 */
function nodePorts(id: Identity, digests: readonly NodeDigest[]): { view: Record<string, NodePort>; classOf: Map<string, string> } {
  const holders = digests.filter((_, at) => id.ports[at] !== undefined);
  // A port held only by nodes that cannot tell their entry points apart may be an entry point of a port the others hold.
  const identified = id.named || holders.some((d) => !d.unnamedPorts) || holders.length === digests.length;
  const compareShares = id.ports.every((p) => p === undefined || p.notComparable !== null || p.shares !== null);
  const view: Record<string, NodePort> = {};
  const classOf = new Map<string, string>();
  const shared = new Map<PortDigest | string, NodePort>();
  const once = (key: PortDigest | string, make: () => NodePort): NodePort => {
    let port = shared.get(key);
    if (!port) shared.set(key, (port = make()));
    return port;
  };
  const blind = (why: string, absent: boolean): NodePort => once(`${absent}\0${why}`, () => ({ endpoints: [], absent, shares: null, notComparable: why }));
  digests.forEach((d, at) => {
    const p = id.ports[at];
    if (!identified) {
      view[d.node] = blind(p ? NOT_IDENTIFIED : 'the nodes that hold it cannot tell which service port it is', !p);
    } else if (!p) {
      if (d.partial) view[d.node] = blind(d.partial, true);
      else {
        view[d.node] = once(ABSENT, () => ({ endpoints: [], absent: true, shares: null, notComparable: null }));
        classOf.set(d.node, ABSENT);
      }
    } else if (p.notComparable !== null || p.endpoints === null) {
      view[d.node] = blind(p.notComparable ?? 'its endpoints are not shown', false);
    } else {
      const endpoints = p.endpoints;
      view[d.node] = once(p, () => ({ endpoints, absent: false, shares: compareShares ? p.shares : null, notComparable: null }));
      classOf.set(d.node, compareShares ? `${p.endpointsKey}|${p.shares ?? ''}` : p.endpointsKey);
    }
  });
  return { view, classOf };
}

function difference(node: string, have: NodePort, reference: readonly string[], referenceAbsent: boolean): Difference {
  const mine = new Set(have.endpoints);
  const theirs = new Set(reference);
  const lacks = reference.filter((e) => !mine.has(e));
  const extra = have.endpoints.filter((e) => !theirs.has(e));
  return { node, lacks, extra, absent: have.absent && !referenceAbsent, sharesDiffer: lacks.length + extra.length === 0 && have.absent === referenceAbsent };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** Each reading of the EndpointSlices by port key (`ns/name:port/protocol`): looked up once per port. */
type ReadingsByKey = readonly ReadonlyMap<string, string[]>[];

function byKey(readings: ExpectedReadings): ReadingsByKey {
  return readings.map((r) => new Map(r.map((e) => [`${e.name}/${e.protocol}`, e.endpoints])));
}

/** The nodes whose endpoints are those of no reading of the EndpointSlices; null where no reading knows the port. */
function staleNodes(id: Identity, view: Record<string, NodePort>, classOf: Map<string, string>, readings: ReadingsByKey): { expected: string[] | null; stale: Difference[] } {
  if (readings.length === 0 || !id.named) return { expected: null, stale: [] };
  const sets = readings.map((r) => r.get(id.key) ?? []);
  const expected = [...(sets[sets.length - 1] as string[])].sort();
  const stale: Difference[] = [];
  for (const [node] of classOf) {
    const have = view[node] as NodePort;
    if (!sets.some((s) => sameSet(s, have.endpoints))) stale.push(difference(node, have, expected, expected.length === 0));
  }
  return { expected, stale };
}

export interface CompareOptions {
  /**
   * Keep every node's entry of the consistent ports (default); false keeps only the nodes not
   * compared there: a thousand nodes' entries of ten thousand ports that agree are not held for a
   * report that does not list them.
   */
  consistentNodes?: boolean;
}

function compareIdentity(id: Identity, digests: readonly NodeDigest[], readings: ReadingsByKey, options: CompareOptions): DriftService {
  const { view, classOf } = nodePorts(id, digests);
  const classes = new Map<string, string[]>();
  for (const [node, c] of classOf) {
    const nodes = classes.get(c);
    if (nodes) nodes.push(node);
    else classes.set(c, [node]);
  }
  const sizes = [...classes.values()].map((nodes) => nodes.length);
  const top = Math.max(0, ...sizes);
  const tops = [...classes.entries()].filter(([, nodes]) => nodes.length === top);
  const tie = tops.length > 1;
  const majority = tops.length === 1 ? (tops[0] as [string, string[]]) : null;
  const inMajority = new Set(majority?.[1]);
  const outliers = classes.size <= 1 ? [] : [...classOf.keys()].filter((node) => !inMajority.has(node)).sort();
  const reference = majority ? (view[majority[1][0] as string] as NodePort) : null;
  const differences = reference ? outliers.map((node) => difference(node, view[node] as NodePort, reference.endpoints, reference.absent)) : [];
  const sharesMatter = differences.some((d) => d.sharesDiffer) || (tie && new Set(tops.map(([, nodes]) => (view[nodes[0] as string] as NodePort).endpoints.join(','))).size < tops.length);
  if (!sharesMatter) for (const port of Object.values(view)) port.shares = null;
  const { expected, stale } = staleNodes(id, view, classOf, readings);
  const status = outliers.length + stale.length > 0 ? 'drift' : 'consistent';
  const keep = status === 'drift' || options.consistentNodes !== false;
  return {
    key: id.key,
    name: id.name,
    named: id.named,
    protocol: id.protocol,
    status,
    outliers,
    tie,
    compared: classOf.size,
    nodes: keep ? view : Object.fromEntries(Object.entries(view).filter(([, n]) => n.notComparable !== null)),
    majority: reference ? (reference.absent ? [] : reference.endpoints) : null,
    differences,
    expected,
    stale: stale.map((d) => d.node),
    staleDifferences: stale,
  };
}

/**
 * The drift report of the nodes' digests (`readings`: the EndpointSlices, read before and after
 * the captures, or none). The answer does not depend on the order of the digests.
 */
export function compareNodes(digests: readonly NodeDigest[], readings: ExpectedReadings = [], options: CompareOptions = {}): DriftReport {
  const nodes = [...digests].sort((a, b) => compare(a.node, b.node));
  const expected = byKey(readings);
  const services = [...identities(nodes, readings).values()].map((id) => compareIdentity(id, nodes, expected, options)).sort(byName);
  return {
    nodes: nodes.map((d) => ({ name: d.node, source: d.source, mode: d.mode, partial: d.partial })),
    services,
    withExpected: readings.length > 0,
    summary: summarizeDrift(services),
  };
}
