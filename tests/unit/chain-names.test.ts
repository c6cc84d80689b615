import { chainHash, endpointHash, servicePortHash } from '../../lib/parse/iptables/chain-names';

// Known input -> name pairs from kube-proxy's own tests and real dumps (kube-proxy-formats.md §2.2).
describe('kube-proxy chain-name hash', () => {
  test.each([
    ['ns1/svc1:p80tcp', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80tcp', 'GNZBNJ2PO5MGZ6GT'],
    ['ns5/svc5:p80tcp', 'NUKIZ6OKUXPJNT4C'],
    ['default/kubernetes:httpstcp', 'NPX46M4PTMTKRN6Y'],
    ['kube-system/kube-dns:dnsudp', 'TCOU7JCQXEZGVUNU'],
    ['kube-system/kube-dns:dns-tcptcp', 'ERIFXISQEP7F7OF4'],
    ['kube-system/kube-dns:metricstcp', 'JD5MR3NA4I4DYORP'],
    ['default/my-nginxtcp', 'L65ENXXZWWSAPRCR'],
    ['default/hostnames:tcp', 'NWV5X2332I4OT4T3'],
  ])('%s -> %s', (input, expected) => {
    expect(chainHash(input)).toBe(expected);
  });

  test('service port chains hash the port name and the lower-case protocol', () => {
    expect(servicePortHash('kube-system/kube-dns:dns', 'UDP')).toBe('TCOU7JCQXEZGVUNU');
  });

  test.each([
    ['ns1/svc1:p80', 'tcp', '10.180.0.1:80', 'SXIVWICOYRO3J4NJ'],
    ['ns4/svc4:p80', 'tcp', '10.180.0.5:80', 'C6EBXVWJJZMIWKLZ'],
    ['ns1/svc1:p80', 'tcp', '[ff06::c1]:80', 'LIGRYQQLSZN4UWQ5'],
    ['default/kubernetes:https', 'tcp', '192.168.1.5:6443', '54IUPJM2TTG4TKF2'],
    ['kube-system/kube-dns:dns', 'udp', '10.244.0.7:53', '232DQYSHL5HNRYWJ'],
    ['default/hostnames:', 'tcp', '10.244.3.6:9376', '57KPRZ3JQVENLNBR'],
  ])('endpoint chain of %s/%s -> %s is KUBE-SEP-%s', (spn, protocol, ep, expected) => {
    expect(endpointHash(spn, protocol, ep)).toBe(expected);
  });
});
