/** Whether the EndpointSlices have caught up with the workload's pods, from made-up pods and slices. */
import type { Pod } from '../../lib/capture/kube-types';
import { slicesLagBehind, withPodIps, type ReadyEndpoint } from '../../lib/scale/observe';

const pod = (name: string, ip: string, ready: boolean, terminating = false): Pod => ({
  metadata: { name, namespace: 'default', ...(terminating ? { deletionTimestamp: '2026-11-23T05:11:30Z' } : {}) },
  spec: { containers: [{ name: 'web' }] },
  status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const slices = (...ips: string[]) => new Map<string, ReadyEndpoint[]>([['default/web:http', ips.map((ip) => ({ address: `${ip}:8080`, triggeredAt: null }))]]);

const a = pod('web-a', '10.244.1.5', true);
const b = pod('web-b', '10.244.1.6', true);
const known = withPodIps(new Set(), [a, b]);

describe('the EndpointSlices behind the pods', () => {
  test('caught up: every ready pod listed, nothing else of the workload', () => {
    expect(slicesLagBehind(slices('10.244.1.5', '10.244.1.6'), [a, b], known)).toEqual([]);
  });

  test('a ready pod the slices do not list yet', () => {
    expect(slicesLagBehind(slices('10.244.1.5'), [a, b], known)).toEqual(['default/web:http: the EndpointSlices lack ready pod 10.244.1.6']);
  });

  test('a terminating pod the slices still list', () => {
    expect(slicesLagBehind(slices('10.244.1.5', '10.244.1.6'), [a, pod('web-b', '10.244.1.6', true, true)], known)).toEqual(['default/web:http: the EndpointSlices still list 10.244.1.6']);
  });

  test('a pod already gone that the slices still list: behind too (rules matching such slices prove nothing)', () => {
    expect(slicesLagBehind(slices('10.244.1.5', '10.244.1.6'), [a], known)).toEqual(['default/web:http: the EndpointSlices still list 10.244.1.6']);
  });

  test('endpoints that never were pods of the workload (another workload behind the same service) are not its business', () => {
    expect(slicesLagBehind(slices('10.244.1.5', '10.244.1.6', '10.244.9.9'), [a, b], known)).toEqual([]);
  });
});
