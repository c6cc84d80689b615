/** The iptables-save emulator the benchmark relies on prints exactly what the real iptables-save prints. */
import { writeRestorePayload } from './support/kube-proxy-writer';
import { netnsUnavailableReason, restore, save, withNetns } from './support/netns';
import { toSaveFormat } from './support/save-format';
import { fixture } from './support/snapshots';

const unavailable = netnsUnavailableReason();
const testRoot = unavailable ? test.skip : test;

const rulesOnly = (dump: string) => dump.split('\n').filter((l) => !l.startsWith('#'));

test('matches the real capture of the rich fixture cluster', () => {
  expect(rulesOnly(toSaveFormat(fixture('captured', 'kube-proxy-payload.txt')))).toEqual(rulesOnly(fixture('captured', 'iptables-save-of-payload.txt')));
});

testRoot('matches a live capture of a generated cluster with affinity, node ports and long ladders', async () => {
  const payload = writeRestorePayload(
    {
      podCIDR: '10.244.0.0/16',
      services: Array.from({ length: 6 }, (_, i) => ({
        namespace: `ns${i}`, name: `svc${i}`, clusterIP: `10.96.3.${i + 1}`, affinitySeconds: i % 2 ? 300 : undefined,
        ports: [{ name: i % 3 ? 'http' : '', port: 80, protocol: 'tcp' as const, nodePort: i % 2 ? 30100 + i : undefined, endpoints: Array.from({ length: i * 3 }, (_, k) => ({ ip: `10.244.${i}.${k + 2}`, port: 8080 })) }],
      })),
    },
    { seed: 3 },
  );
  await withNetns((ns) => {
    restore(ns, payload);
    expect(rulesOnly(toSaveFormat(payload))).toEqual(rulesOnly(save(ns)));
  });
});
