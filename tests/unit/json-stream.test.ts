import { jsonChunks, renderJson, reportDocument } from '../../lib/report/json';
import { bundled, diffTexts } from '../support/snapshots';

describe('the JSON document, streamed', () => {
  const report = diffTexts(bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt'));

  test('pretty: exactly JSON.stringify(doc, null, 2)', () => {
    expect(renderJson(report, { toolVersion: '9.9.9', all: true })).toBe(`${JSON.stringify(reportDocument(report, { toolVersion: '9.9.9', all: true }), null, 2)}\n`);
  });

  test('compact: exactly JSON.stringify(doc)', () => {
    expect([...jsonChunks(report, { toolVersion: '9.9.9', all: true }, false)].join('')).toBe(`${JSON.stringify(reportDocument(report, { toolVersion: '9.9.9', all: true }))}\n`);
  });

  test('empty lists and odd strings', () => {
    const same = diffTexts('-N X\n-A X -m comment --comment "a\\"b\u2028c" -j RETURN\n', '-N X\n-A X -m comment --comment "a\\"b\u2028c" -j RETURN\n');
    expect(same.chains).toEqual([]);
    expect(renderJson(same, { toolVersion: 'v' })).toBe(`${JSON.stringify(reportDocument(same, { toolVersion: 'v' }), null, 2)}\n`);
  });
});
