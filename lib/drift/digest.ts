/**
 * What drift keeps of one node: per service port, its endpoints (and their shares where the input
 * shows them), and what the input cannot show. A snapshot is described, reduced to this, and
 * dropped: a thousand nodes' digests are small where a thousand dumps are not.
 */
import { displayName, unnamedPortKey, type ModelField, type ProxyMode, type Protocol, type ServiceModel, type ServicePort } from '../model/service';
import type { Warning } from '../errors';
import type { Snapshot } from '../model/snapshot';

/** One service port on one node. */
export interface PortDigest {
  /** The model's key: `ns/name:port/protocol`, else `clusterIP:port/protocol`, else the dataplane's ref. */
  key: string;
  /** `ns/name:port`, or the port's address where the rules carry no name. */
  label: string;
  named: boolean;
  protocol: Protocol | null;
  /** `clusterIP:port/protocol`: what pairs a port a node does not name with another node's. */
  address: string | null;
  /** Its endpoints, `ip:port`, sorted; null when the input does not show them (`notComparable` says why). */
  endpoints: string[] | null;
  /**
   * How traffic is shared among them and diverted from them, or null when the input does not show
   * shares: `equal` for what kube-proxy writes (each endpoint 1/n, nothing diverted), otherwise
   * every share spelt out.
   */
  shares: string | null;
  /** Why this port of this node cannot be compared (an artefact of the input), or null. */
  notComparable: string | null;
  /** `endpoints`, joined: equal for equal endpoint sets. */
  endpointsKey: string;
}

/**
 * What the nodes' digests share: a port digest is stored once however many nodes hold it alike
 * (most nodes hold most ports alike), so a node's digest is a list of references.
 */
export class DigestPool {
  private readonly ports = new Map<string, PortDigest>();

  intern(port: PortDigest): PortDigest {
    const id = [port.key, port.label, port.named, port.protocol, port.address, port.endpointsKey, port.endpoints === null, port.shares, port.notComparable].join('\0');
    const known = this.ports.get(id);
    if (known) return known;
    this.ports.set(id, port);
    return port;
  }
}

export interface NodeDigest {
  /** The node as the report names it (node-names.ts). */
  node: string;
  /** The input it was read from. */
  source: string;
  mode: ProxyMode | null;
  /** Why a port absent from this node may still be there (its input shows only some ports), or null: then absent means absent. */
  partial: string | null;
  /** Its input names no service port and tells no entry point apart (IPVS without a snapshot's service ports): a port no other node holds may be an entry point of one they do. */
  unnamedPorts: boolean;
  ports: PortDigest[];
}

/** Shares are compared to this many decimals: finer than any share kube-proxy makes differ, coarser than the 2⁻³¹ grid of iptables probabilities. */
const SHARE_DECIMALS = 6;
const EQUAL_EPSILON = 10 ** -SHARE_DECIMALS;

function shareText(share: number): string {
  return share.toFixed(SHARE_DECIMALS);
}

function sharesOf(port: ServicePort, addresses: string[]): string {
  const n = port.endpoints.length;
  const equal = port.diverted.length === 0 && port.endpoints.every((e) => Math.abs(e.share - 1 / n) < EQUAL_EPSILON);
  if (equal) return 'equal';
  const shares = port.endpoints.map((e, i) => `${addresses[i] as string}=${shareText(e.share)}`).sort();
  const diverted = port.diverted.map((d) => `${d.list} ${d.action}${d.ref === null ? '' : ` ${d.ref}`}=${shareText(d.share)}`).sort();
  return [...shares, ...diverted].join(', ');
}

function portDigest(port: ServicePort, sharesShown: boolean): PortDigest {
  const head = {
    key: port.key,
    label: displayName(port),
    named: port.name !== null,
    protocol: port.protocol,
    address: port.clusterIP !== null && port.port !== null ? unnamedPortKey(port.clusterIP, port.port, port.protocol) : null,
  };
  const blind = (why: string): PortDigest => ({ ...head, endpoints: null, shares: null, notComparable: why, endpointsKey: '' });
  if (!port.endpointsShown) return blind('its input does not hold the rules of its endpoints');
  if (port.endpoints.some((e) => e.address === null)) return blind('its rules do not say where an endpoint sends traffic');
  const addresses = port.endpoints.map((e) => e.address as string);
  const shown = sharesShown && !port.unseen.includes('shares');
  const endpoints = [...addresses].sort();
  return { ...head, endpoints, shares: shown ? sharesOf(port, addresses) : null, notComparable: null, endpointsKey: endpoints.join(',') };
}

/** The digest of a service model; `pool`: shared with the other nodes' digests. */
export function digestModel(model: ServiceModel, node: string, source: string, partial: string | null, unnamedPorts: boolean, pool = new DigestPool()): NodeDigest {
  const sharesShown = !model.unseen.includes('shares' satisfies ModelField);
  return {
    node,
    source,
    mode: model.mode,
    partial: model.complete ? null : (partial ?? 'its input shows only some of the service ports'),
    unnamedPorts,
    ports: model.ports.map((p) => pool.intern(portDigest(p, sharesShown))),
  };
}

/**
 * Describes a snapshot (naming comment-less ports from the rules and the snapshot's metadata) and
 * keeps its digest, and the warnings about it: its reading's and its description's.
 */
export function digestSnapshot(snapshot: Snapshot, node: string, pool?: DigestPool): { digest: NodeDigest; warnings: Warning[] } {
  const names = snapshot.serviceNames();
  for (const p of snapshot.metadata?.servicePorts ?? []) names.add(p.name);
  const view = snapshot.describe(names);
  return { digest: digestModel(view.model, node, snapshot.source, snapshot.partial, snapshot.wantsServicePorts, pool), warnings: [...snapshot.warnings, ...view.warnings] };
}
