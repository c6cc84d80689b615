/**
 * What kube-proxy's IPVS mode programs for a cluster (the same ClusterSpec as kube-proxy-writer.ts):
 * the IPVS virtual services in ipvsadm's order, for ipvsadm-writer.ts to print, and the fixed part
 * of its iptables rules with the ipsets they match. The kernel here has no IPVS, so the virtual
 * services are only printed (by a stand-in ipvsadm-save); the iptables rules load for real.
 * IPv4 only. See docs/nftables-layouts.md §5 and tests/fixtures/ipvs.
 */
import { builtinJumpRules, mergeRestoreInputs, type ClusterSpec, type EndpointSpec } from './kube-proxy-writer';
import type { RealServerSpec, VirtualServiceSpec } from './ipvsadm-writer';

const PROTOCOL_NUMBER = { tcp: 6, udp: 17, sctp: 132 };

function ipv4(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** ipvsadm compares host-order addresses by their difference as a C int: from 128.0.0.0 up, they sort first. */
function compareAddresses(a: string, b: string): number {
  return (ipv4(a) - ipv4(b)) | 0;
}

function compareServices(a: VirtualServiceSpec, b: VirtualServiceSpec): number {
  return PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol] || compareAddresses(a.ip, b.ip) || a.port - b.port;
}

function servers(eps: EndpointSpec[]): RealServerSpec[] {
  return eps.map((e) => ({ ip: e.ip, port: e.port, weight: 1 })).sort((a, b) => compareAddresses(a.ip, b.ip) || a.port - b.port);
}

/**
 * One virtual service per cluster IP, external IP, load-balancer IP and NodePort on each node
 * address, for each port; scheduler rr, persistence for ClientIP affinity, weight 1. With
 * externalTrafficPolicy Local the external ones get the node's own endpoints only (all of them
 * when it has none). A port without endpoints keeps its virtual services, with no real servers.
 */
export function ipvsVirtualServices(cluster: ClusterSpec, nodeIPs: string[]): VirtualServiceSpec[] {
  const out: VirtualServiceSpec[] = [];
  for (const svc of cluster.services) {
    for (const port of svc.ports) {
      const local = port.endpoints.filter((e) => e.local);
      const external = svc.externalTrafficPolicy === 'Local' && local.length > 0 ? local : port.endpoints;
      const service = (ip: string, at: number, eps: EndpointSpec[]): VirtualServiceSpec => ({
        protocol: port.protocol, ip, port: at, scheduler: 'rr', ...(svc.affinitySeconds === undefined ? {} : { persistence: svc.affinitySeconds }), servers: servers(eps),
      });
      out.push(service(svc.clusterIP, port.port, port.endpoints));
      for (const ip of [...(svc.externalIPs ?? []), ...(svc.loadBalancerIPs ?? [])]) out.push(service(ip, port.port, external));
      if (port.nodePort !== undefined) for (const ip of nodeIPs) out.push(service(ip, port.nodePort, external));
    }
  }
  return out.sort(compareServices);
}

/** The ipsets the rules below match, in `ipset restore` syntax (load with `ipset -exist restore`, as kube-proxy creates them with -exist). */
export const IPVS_MODE_IPSETS = [
  'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536',
  'create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536',
  'create KUBE-NODE-PORT-TCP bitmap:port range 0-65535',
  '',
].join('\n');

/** kube-proxy's IPVS-mode nat table (the rules of ipvs-mode-iptables-restore.txt that need no LoadBalancer sets), with its jumps from the built-in chains. */
export function ipvsModeNatRules(podCIDR: string): string {
  const payload = [
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-NODE-PORT - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN',
    '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
    '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
    `-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s ${podCIDR} -j KUBE-MARK-MASQ`,
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
    '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x004000/0x004000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x004000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x004000',
    'COMMIT',
    '',
  ].join('\n');
  return mergeRestoreInputs(builtinJumpRules(), payload);
}
