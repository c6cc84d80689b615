/**
 * The fake kube-proxy: from Services and EndpointSlices (ready endpoints only), programs each
 * node's netns kubeProxyMs after a change, unless the node is frozen, in its mode: iptables (the
 * kube-proxy-writer payload, with the real iptables-restore), nftables (kube-proxy-nft-writer
 * transactions, with the real nft -f: the first sync creates the base chains, later ones flush the
 * chains gone stale and delete them a sync later, as kube-proxy does), or IPVS (the table published
 * for the stand-in ipvsadm, beside kube-proxy's IPVS-mode iptables rules and ipsets, loaded for real).
 */
import { ipvsModeNatRules, ipvsVirtualServices, IPVS_MODE_IPSETS } from '../kube-proxy-ipvs-writer';
import { writeNftTransaction } from '../kube-proxy-nft-writer';
import { builtinJumpRules, mergeRestoreInputs, writeRestorePayload, type ClusterSpec, type EndpointSpec, type PortSpec, type Protocol, type ServiceSpec } from '../kube-proxy-writer';
import type { IpvsStandIn } from './ipvs-stand-in';
import { NodeCommands, runCollect } from './node-commands';
import type { FakeProxyMode } from './options';
import type { ClusterState, NodeInfo } from './state';
import type { Timers } from './timers';
import type { EndpointSlice, Service, ServicePort } from './types';

function endpointsFor(port: ServicePort, slices: EndpointSlice[], nodeName: string): EndpointSpec[] {
  const endpoints: EndpointSpec[] = [];
  for (const slice of slices) {
    const slicePort = slice.ports?.find((p) => p.name === port.name && p.protocol === port.protocol);
    if (!slicePort) continue;
    for (const ep of slice.endpoints ?? []) {
      if (!ep.conditions.ready) continue;
      for (const ip of ep.addresses) endpoints.push({ ip, port: slicePort.port, local: ep.nodeName === nodeName });
    }
  }
  return endpoints;
}

function serviceSpec(service: Service, slices: EndpointSlice[], nodeName: string): ServiceSpec {
  const own = slices.filter((s) => s.metadata.namespace === service.metadata.namespace && s.metadata.labels?.['kubernetes.io/service-name'] === service.metadata.name);
  const ports: PortSpec[] = service.spec.ports.map((p) => ({
    name: p.name,
    port: p.port,
    protocol: p.protocol.toLowerCase() as Protocol,
    ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    endpoints: endpointsFor(p, own, nodeName),
  }));
  const spec: ServiceSpec = { namespace: service.metadata.namespace ?? '', name: service.metadata.name, clusterIP: service.spec.clusterIP, ports };
  if (service.spec.externalTrafficPolicy === 'Local') spec.externalTrafficPolicy = 'Local';
  if (service.spec.externalIPs) spec.externalIPs = [...service.spec.externalIPs];
  const ingress = (service.status.loadBalancer.ingress ?? []).map((i) => i.ip);
  if (ingress.length > 0) spec.loadBalancerIPs = ingress;
  return spec;
}

/** The fake cluster's service CIDR (its cluster IPs are 10.96.x.x). */
const SERVICE_CIDR = '10.96.0.0/16';

/** What the nftables mode keeps between syncs of a node: the chains it wrote, and those it flushed as stale. */
interface NftState {
  written: Set<string>;
  flushed: Set<string>;
}

function minus(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

export class KubeProxy {
  private readonly frozen = new Set<string>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly nft = new Map<string, NftState>();
  private readonly ipvsReady = new Set<string>();

  constructor(
    private readonly state: ClusterState,
    private readonly timers: Timers,
    private readonly commands: NodeCommands,
    private readonly podCIDR: string,
    private readonly delayMs: number,
    private readonly mode: FakeProxyMode,
    private readonly ipvs: IpvsStandIn | null,
  ) {}

  start(): () => void {
    return this.state.store.subscribe((event) => {
      if (event.resource === 'endpointslices' || event.resource === 'services') this.scheduleSync();
    });
  }

  freeze(nodeName: string, frozen: boolean): void {
    const node = this.state.node(nodeName);
    if (!node) throw new Error(`freezeRules: no node named ${nodeName}`);
    if (frozen) this.frozen.add(node.name);
    else if (this.frozen.delete(node.name)) this.scheduleSync();
  }

  /** Programs every node that runs a (not frozen) kube-proxy, now. */
  async syncAll(): Promise<void> {
    await Promise.all(this.state.nodes.filter((n) => n.kubeProxy && !this.frozen.has(n.name)).map((n) => this.sync(n)));
  }

  /** The spec kube-proxy on `nodeName` would program right now. */
  clusterSpec(nodeName: string): ClusterSpec {
    const { store } = this.state;
    const slices = store.list<EndpointSlice>('endpointslices');
    return { podCIDR: this.podCIDR, services: store.list<Service>('services').map((s) => serviceSpec(s, slices, nodeName)) };
  }

  private scheduleSync(): void {
    this.timers.once('kube-proxy', this.delayMs, () => this.syncAll());
  }

  /** Syncs of one node run one after another, each restoring the state as of when it starts. */
  private sync(node: NodeInfo): Promise<void> {
    const previous = this.queues.get(node.name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.program(node));
    this.queues.set(node.name, next);
    return next;
  }

  private program(node: NodeInfo): Promise<void> {
    switch (this.mode) {
      case 'iptables':
        return this.run(node, ['iptables-restore', '-w', '5'], mergeRestoreInputs(builtinJumpRules(), writeRestorePayload(this.clusterSpec(node.name))));
      case 'nftables':
        return this.programNft(node);
      case 'ipvs':
        return this.programIpvs(node);
    }
  }

  private async run(node: NodeInfo, argv: string[], input: string): Promise<void> {
    const result = await runCollect(this.commands, node.netns, argv, input);
    if (result.exitCode !== 0) throw new Error(`${argv[0]} in ${node.netns} (node ${node.name}) failed: ${result.error ?? result.stderr.trim()}`);
  }

  private async programNft(node: NodeInfo): Promise<void> {
    const spec = this.clusterSpec(node.name);
    const base = { nodeIPs: [node.ip], serviceCIDRs: [SERVICE_CIDR] };
    const previous = this.nft.get(node.name);
    const wanted = new Set(writeNftTransaction(spec, base).chains);
    const flushStale = previous ? minus(previous.written, wanted) : [];
    const deleteStale = previous ? minus(previous.flushed, wanted) : [];
    await this.run(node, ['nft', '-f', '-'], writeNftTransaction(spec, { ...base, firstSync: !previous, flushStale, deleteStale }).text);
    this.nft.set(node.name, { written: wanted, flushed: new Set(flushStale) });
  }

  private async programIpvs(node: NodeInfo): Promise<void> {
    if (!this.ipvs) throw new Error('the fake kube-proxy runs in IPVS mode without the stand-in ipvsadm');
    if (!this.ipvsReady.has(node.name)) {
      await this.run(node, ['ipset', '-exist', 'restore'], IPVS_MODE_IPSETS);
      await this.run(node, ['iptables-restore', '-w', '5'], ipvsModeNatRules(this.podCIDR));
      this.ipvsReady.add(node.name);
    }
    this.ipvs.publish(node.netns, ipvsVirtualServices(this.clusterSpec(node.name), [node.ip]));
  }
}
