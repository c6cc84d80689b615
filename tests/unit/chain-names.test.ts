import { fc, test as property } from '@fast-check/jest';
import { createHash } from 'node:crypto';
import { chainHash, endpointHash, servicePortHash } from '../../lib/parse/iptables/chain-names';
import { endpointName, nameHash } from '../../lib/parse/nftables/names';

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

  /** base32(sha256(input))[:16] as Go computes it: bit by bit from the digest's bytes (the reference). */
  const goHash = (input: string): string => {
    const bits = [...createHash('sha256').update(input).digest()].map((b) => b.toString(2).padStart(8, '0')).join('');
    return Array.from({ length: 16 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('');
  };

  property.prop([fc.string({ unit: 'binary', maxLength: 120 })])('any input hashes as Go computes it, whatever its characters', (input) => {
    expect(chainHash(input)).toBe(goHash(input));
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

describe("kube-proxy's nftables names (vectors of its proxier_test.go and real dumps, docs: kube-proxy-formats §2.3)", () => {
  test.each([
    ['ns1/svc1/tcp/p80', 'ULMVA6XW'],
    ['ns2/svc2/tcp/p80', '42NFTM6N'],
    ['ns5/svc5/tcp/p80', 'HVFWP5L3'],
    ['ns1/svc1/tcp/p80__10.180.0.1/80', '5OJB2KTY'],
    ['ns4/svc4/tcp/p80__10.180.0.5/80', '5RFCDDV7'],
    ['ns5/svc5/tcp/p80__10.180.0.3/80', 'GTK6MW7G'],
    ['ns1/svc1/tcp/p80__fd00.10.180..1/80', 'ZVRFLKHO'],
    ['kube-system/kube-dns/udp/dns', 'FY5PMXPG'],
    ['kube-system/kube-dns/tcp/dns-tcp', 'NWBZK7IH'],
    ['default/kubernetes/tcp/https', '2QRHZV4L'],
    ['riset/hellopod-np-svc/tcp/', 'P6J77WGM'],
  ])('%s hashes to %s', (base, hash) => {
    expect(nameHash(base)).toBe(hash);
  });

  test('an endpoint chain is named from the service port and its endpoint, IPv6 colons as dots', () => {
    expect(endpointName('endpoint', 'ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    expect(endpointName('affinity', 'ns5/svc5:p80', 'tcp', '10.180.0.3:80')).toBe('affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80');
    expect(endpointName('endpoint', 'ns1/svc1:p80', 'tcp', '[fd00:10:180::1]:80')).toBe('endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80');
  });
});
