/**
 * The clusters behind tests/fixtures/iptables-nft: kube-proxy (iptables mode) payloads written by
 * kube-proxy-writer.ts, loaded with the real iptables-restore (nf_tables) and printed by nft and
 * iptables-save. One node sees every kind of service port: several endpoints, none, session
 * affinity, node ports, external and load-balancer IPs, externalTrafficPolicy Local with and
 * without a local endpoint, an unnamed port, SCTP; `scaled` is the same node after kube-dns went
 * 2 → 4 endpoints and web got one more local endpoint.
 */
import { writeRestorePayload, type ClusterSpec, type EndpointSpec, type PortSpec, type ServiceSpec } from './kube-proxy-writer';

function dnsPorts(endpoints: string[]): PortSpec[] {
  const eps = (port: number): EndpointSpec[] => endpoints.map((ip) => ({ ip, port }));
  return [
    { name: 'dns', protocol: 'udp', port: 53, endpoints: eps(53) },
    { name: 'dns-tcp', protocol: 'tcp', port: 53, endpoints: eps(53) },
    { name: 'metrics', protocol: 'tcp', port: 9153, endpoints: [] },
  ];
}

function ipv4Cluster(scaled: boolean): ClusterSpec {
  const dnsEndpoints = scaled ? ['10.244.0.5', '10.244.1.6', '10.244.2.7', '10.244.2.8'] : ['10.244.0.5', '10.244.1.6'];
  const webEndpoints: EndpointSpec[] = [
    { ip: '10.244.1.3', port: 8080, local: true },
    { ip: '10.244.2.3', port: 8080 },
    { ip: '10.244.2.4', port: 8080 },
    ...(scaled ? [{ ip: '10.244.1.9', port: 8080, local: true }] : []),
  ];
  const services: ServiceSpec[] = [
    { namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', ports: dnsPorts(dnsEndpoints) },
    { namespace: 'default', name: 'kubernetes', clusterIP: '10.96.0.1', affinitySeconds: 10800, ports: [{ name: 'https', protocol: 'tcp', port: 443, endpoints: [{ ip: '172.18.0.2', port: 6443 }] }] },
    { namespace: 'shop', name: 'web', clusterIP: '10.96.7.7', loadBalancerIPs: ['203.0.113.5'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'tcp', port: 80, nodePort: 30080, endpoints: webEndpoints }] },
    { namespace: 'shop', name: 'api', clusterIP: '10.96.7.9', externalTrafficPolicy: 'Local', ports: [{ name: '', protocol: 'tcp', port: 8443, nodePort: 31443, endpoints: [{ ip: '10.244.2.20', port: 8443 }] }] },
    { namespace: 'shop', name: 'grpc', clusterIP: '10.96.7.10', externalIPs: ['198.51.100.9'], affinitySeconds: 600, ports: [{ name: 'grpc', protocol: 'tcp', port: 9090, endpoints: [{ ip: '10.244.1.11', port: 9090 }, { ip: '10.244.2.12', port: 9090 }] }] },
    { namespace: 'shop', name: 'empty', clusterIP: '10.96.7.8', ports: [{ name: 'http', protocol: 'tcp', port: 80, nodePort: 30081, endpoints: [] }] },
    { namespace: 'telco', name: 'diameter', clusterIP: '10.96.9.1', ports: [{ name: 'diameter', protocol: 'sctp', port: 3868, endpoints: [{ ip: '10.244.2.30', port: 3868 }] }] },
  ];
  return { podCIDR: '10.244.0.0/16', services };
}

function ipv6Cluster(): ClusterSpec {
  const dns = ['fd00:10:244:1::5', 'fd00:10:244:2::6'];
  return {
    podCIDR: 'fd00:10:244::/48',
    services: [
      { namespace: 'kube-system', name: 'kube-dns', clusterIP: 'fd00:10:96::a', ports: dnsPorts(dns) },
      { namespace: 'shop', name: 'web', clusterIP: 'fd00:10:96::7', loadBalancerIPs: ['2001:db8:50::5'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'tcp', port: 80, nodePort: 30080, endpoints: [{ ip: 'fd00:10:244:1::3', port: 8080, local: true }, { ip: 'fd00:10:244:2::3', port: 8080 }] }] },
    ],
  };
}

export interface IptablesNftFixture {
  family: 'ipv4' | 'ipv6';
  /** The restore payload, as committed in tests/fixtures/iptables-nft/STEM.payload.txt. */
  payload(): string;
}

export const IPTABLES_NFT_FIXTURES: Readonly<Record<string, IptablesNftFixture>> = {
  cluster: { family: 'ipv4', payload: () => writeRestorePayload(ipv4Cluster(false), { seed: 3 }) },
  'cluster-scaled': { family: 'ipv4', payload: () => writeRestorePayload(ipv4Cluster(true), { seed: 4 }) },
  'cluster-ipv6': { family: 'ipv6', payload: () => writeRestorePayload(ipv6Cluster(), { seed: 5 }) },
};
