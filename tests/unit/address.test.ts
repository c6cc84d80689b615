import { normalizeCidr, normalizeHostPort } from '../../lib/parse/iptables/address';
import { normalizePortList, normalizePortSpec } from '../../lib/parse/iptables/ports';

describe('addresses as iptables-save prints them', () => {
  test.each([
    ['10.96.0.1', '10.96.0.1/32'],
    ['10.96.0.1/32', '10.96.0.1/32'],
    ['10.1.2.3/255.255.0.0', '10.1.0.0/16'],
    ['10.1.2.3/16', '10.1.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['fd00:0:0::1', 'fd00::1/128'],
    ['FD00::1/64', 'fd00::/64'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
    ['010.001.0.1', '10.1.0.1/32'],
  ])('%s → %s', (input, expected) => expect(normalizeCidr(input)).toBe(expected));

  test.each(['x.x.x.x/32', 'example.com', '10.0.0.256', '10.0.0.1/33', '10.0.0.1/255.0.255.0'])('%s is not normalised', (input) => {
    expect(normalizeCidr(input)).toBeNull();
  });

  test.each([
    ['10.244.0.5:53', '10.244.0.5:53'],
    ['[fd00:0::1]:80', '[fd00::1]:80'],
    ['10.0.0.1', '10.0.0.1'],
  ])('DNAT destination %s → %s', (input, expected) => expect(normalizeHostPort(input)?.text).toBe(expected));

  test.each(['', ':0', '0.0.0.0:0', '10.0.0.1:99999', '[fd00::1'])('DNAT destination %j is not valid', (input) => {
    expect(normalizeHostPort(input)).toBeNull();
  });
});

describe('ports', () => {
  test.each([
    ['53', '53'],
    ['0x35', '53'],
    [':1024', '0:1024'],
    ['1024:', '1024:65535'],
    ['80:80', '80'],
    ['http', 'http'],
  ])('%s → %s', (input, expected) => expect(normalizePortSpec(input)).toBe(expected));

  test('a multiport list is a set', () => {
    expect(normalizePortList('443,80,8000:9000')).toBe(normalizePortList('8000:9000,80,443'));
  });
});
