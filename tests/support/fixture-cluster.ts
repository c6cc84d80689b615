/**
 * The cluster of tests/fixtures/nftables/README.md (and tests/fixtures/ipvs), as a ClusterSpec:
 * node-a (192.168.0.10), pod CIDR 10.244.0.0/16, service CIDR 10.96.0.0/16; endpoints on
 * 10.244.1.x are node-a's own.
 */
import type { ClusterSpec } from './kube-proxy-writer';

export const FIXTURE_NODE_IPS = ['192.168.0.10'];
export const FIXTURE_SERVICE_CIDRS = ['10.96.0.0/16'];

export const FIXTURE_CLUSTER: ClusterSpec = {
  podCIDR: '10.244.0.0/16',
  services: [
    {
      namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10',
      ports: (['dns', 'dns-tcp'] as const).map((name) => ({ name, port: 53, protocol: name === 'dns' ? 'udp' : 'tcp', endpoints: [{ ip: '10.244.1.2', port: 53, local: true }, { ip: '10.244.2.3', port: 53 }] })),
    },
    { namespace: 'default', name: 'web', clusterIP: '10.96.100.20', affinitySeconds: 10800, ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.10', port: 8080, local: true }, { ip: '10.244.2.11', port: 8080 }] }] },
    { namespace: 'default', name: 'empty', clusterIP: '10.96.100.30', ports: [{ name: 'http', port: 80, protocol: 'tcp', endpoints: [] }] },
    {
      namespace: 'default', name: 'lb-local', clusterIP: '10.96.100.40', loadBalancerIPs: ['203.0.113.50'], loadBalancerSourceRanges: ['198.51.100.0/24'], externalTrafficPolicy: 'Local',
      ports: [{ name: 'https', port: 443, protocol: 'tcp', nodePort: 31443, endpoints: [{ ip: '10.244.1.20', port: 8443, local: true }, { ip: '10.244.2.21', port: 8443 }] }],
    },
  ],
};
