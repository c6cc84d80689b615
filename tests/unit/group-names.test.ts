/**
 * A service chain's name read from its bytes (groupKindAt, which the first pass asks of every
 * chain) is read as groupOfName reads it as text: the same kind, and the same suffix after it.
 */
import { fc, test as property } from '@fast-check/jest';
import { GROUP_KINDS, GROUP_NAME_PREFIXES, groupKindAt, groupOfName } from '../../lib/parse/iptables/ladder';

/** What groupKindAt says of `name`, as groupOfName would say it: its kind and suffix, or null. */
function readFromBytes(name: string): { hash: string; kind: string } | null {
  // Padded on both sides: the name is read where it stands among other bytes.
  const bytes = Buffer.from(`xx${name}yy`, 'latin1');
  const kind = groupKindAt(bytes, 2, 2 + name.length);
  return kind < 0 ? null : { kind: GROUP_KINDS[kind] as string, hash: bytes.toString('latin1', 2 + (GROUP_NAME_PREFIXES[kind] as Uint8Array).length, 2 + name.length) };
}

const part = fc.constantFrom('KUBE-', 'SVC', 'SVL', 'EXT', 'FW', 'XLB', 'SEP', 'svc', '-', 'KUBE', 'X', '7', ' ', 'Ü');

property.prop([fc.array(part, { maxLength: 6 }).map((parts) => parts.join(''))], { numRuns: 2000 })('any name made of its parts is read alike from its bytes and as text', (name) => {
  expect(readFromBytes(name)).toEqual(groupOfName(name));
});

test.each(['KUBE-SVC-ERIFXISQEP7F7OF4', 'KUBE-SVL-ERIFXISQEP7F7OF4', 'KUBE-EXT-ERIFXISQEP7F7OF4', 'KUBE-FW-ERIFXISQEP7F7OF4', 'KUBE-XLB-ERIFXISQEP7F7OF4', 'KUBE-SVC-', 'KUBE-SEP-ERIFXISQEP7F7OF4', 'KUBE-SERVICES', 'KUBE-SVC-x'])('%s', (name) => {
  expect(readFromBytes(name)).toEqual(groupOfName(name));
});
