import { fc, test as prop } from '@fast-check/jest';
import { batches } from '../../lib/snapshot/write-file';
import { jsonChunks, renderJson, reportDocument } from '../../lib/report/json';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { bundled, diffTexts } from '../support/snapshots';

describe.each([true, false])('the JSON document, streamed (all: %s)', (all) => {
  const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));

  test('pretty: exactly JSON.stringify(doc, null, 2)', () => {
    expect(renderJson(report, '9.9.9', { all })).toBe(`${JSON.stringify(reportDocument(report, '9.9.9', { all }), null, 2)}\n`);
  });

  test('compact: exactly JSON.stringify(doc)', () => {
    expect([...jsonChunks(report, '9.9.9', { all, pretty: false })].join('')).toBe(`${JSON.stringify(reportDocument(report, '9.9.9', { all }))}\n`);
  });

  test('empty lists and odd strings', () => {
    const same = diffTexts('-N X\n-A X -m comment --comment "a\\"b\u2028c" -j RETURN\n', '-N X\n-A X -m comment --comment "a\\"b\u2028c" -j RETURN\n');
    expect(same.chains).toEqual([]);
    expect(renderJson(same, 'v', { all })).toBe(`${JSON.stringify(reportDocument(same, 'v', { all }), null, 2)}\n`);
  });

  test('services whose two sides print alike (the second dump read alike the first) print exactly as the document says', () => {
    const before = parseSnapshot(bundled('coredns-scale-2to4-before.txt'), 'before');
    const after = parseSnapshot(bundled('coredns-scale-2to4-after.txt'), 'after', { alike: before });
    const alike = diffSnapshots(before, after);
    expect(alike.services.some((d) => d.status === 'unchanged' && d.before?.endpoints === d.after?.endpoints)).toBe(true);
    expect(renderJson(alike, 'v', { all })).toBe(`${JSON.stringify(reportDocument(alike, 'v', { all }), null, 2)}\n`);
    expect(renderJson(alike, 'v', { all, pretty: false })).toBe(`${JSON.stringify(reportDocument(alike, 'v', { all }))}\n`);
  });
});

describe('written in pieces', () => {
  prop.prop([fc.array(fc.string({ maxLength: 40 })), fc.integer({ min: 1, max: 100 })])('batches keep every character in order, each but the last at least the size', (pieces, size) => {
    const out = [...batches(pieces, size)];
    expect(out.join('')).toBe(pieces.join(''));
    expect(out.length > 0).toBe(pieces.join('') !== '');
    expect(out.slice(0, -1).every((b) => b.length >= size)).toBe(true);
    expect(out.every((b) => b !== '')).toBe(true);
  });
});
