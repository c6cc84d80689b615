/**
 * Generated cluster states for properties: a few services, each with its own cluster IP and node
 * ports, ports with up to seven endpoints (some on the node), affinity, traffic policy, a
 * load-balancer IP.
 */
import { fc } from '@fast-check/jest';
import type { ClusterSpec, ServiceSpec } from './kube-proxy-writer';

const octet = fc.integer({ min: 1, max: 254 });
const endpoint = fc.record({ ip: fc.tuple(octet, octet).map(([a, b]) => `10.244.${a}.${b}`), port: fc.integer({ min: 1, max: 65535 }), local: fc.boolean() });
const service = fc.record({
  namespace: fc.constantFrom('default', 'kube-system', 'shop'),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
  clusterIP: fc.tuple(octet, octet).map(([a, b]) => `10.96.${a}.${b}`),
  ports: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('', 'http', 'dns', 'metrics'),
      port: fc.integer({ min: 1, max: 65535 }),
      protocol: fc.constantFrom('tcp' as const, 'udp' as const),
      nodePort: fc.option(fc.integer({ min: 30000, max: 32767 }), { nil: undefined }),
      endpoints: fc.uniqueArray(endpoint, { maxLength: 7, selector: (e) => `${e.ip}:${e.port}` }),
    }),
    { minLength: 1, maxLength: 2, selector: (p) => p.name },
  ),
  affinitySeconds: fc.option(fc.constantFrom(600, 10800), { nil: undefined }),
  externalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const),
  loadBalancerIPs: fc.option(fc.constant(['203.0.113.9']), { nil: undefined }),
});
const unique = (xs: string[]): boolean => new Set(xs).size === xs.length;
export const cluster: fc.Arbitrary<ClusterSpec> = fc
  .uniqueArray(service, { minLength: 1, maxLength: 5, selector: (s) => `${s.namespace}/${s.name}` })
  // Kubernetes gives every service its own cluster IP and node ports, and a shared load-balancer IP
  // only to ports that differ: two services' rules for one address and port would make their
  // order meaning, which is not what these properties are about.
  .filter(
    (services) =>
      unique(services.map((s) => s.clusterIP)) &&
      unique(services.flatMap((s) => s.ports.flatMap((p) => (p.nodePort ? [`${p.nodePort}/${p.protocol}`] : [])))) &&
      unique(services.flatMap((s) => s.ports.flatMap((p) => (s.loadBalancerIPs ?? []).map((ip) => `${ip}:${p.port}/${p.protocol}`)))),
  )
  .map((services): ClusterSpec => ({ podCIDR: '10.244.0.0/16', services: services as ServiceSpec[] }));

