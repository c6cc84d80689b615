/** Checking UTF-8 chunk by chunk says what checking the whole text says, however it is cut. */
import { fc, test as property } from '@fast-check/jest';
import { isUtf8 } from 'node:buffer';
import { Utf8Check } from '../../lib/snapshot/utf8-check';

function checkedInChunks(bytes: Uint8Array, cuts: number[]): boolean {
  const check = new Utf8Check();
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (!check.add(Buffer.from(bytes.subarray(from, to)))) return false;
    from = to;
  }
  return check.end();
}

const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s, 'utf8'));
const bytes = fc.oneof(text, fc.uint8Array({ maxLength: 40 }), text.chain((t) => fc.nat(t.length).map((n) => t.subarray(0, n))));

property.prop([bytes, fc.array(fc.nat(), { maxLength: 8 })], { numRuns: 2000 })('any bytes cut anywhere: the same answer as the whole text checked at once', (b, cuts) => {
  expect(checkedInChunks(b, cuts)).toBe(isUtf8(b));
});

test('a character cut across three chunks is text; one cut short at the end is not', () => {
  const euro = Buffer.from('€', 'utf8');
  expect(checkedInChunks(euro, [1, 2])).toBe(true);
  expect(checkedInChunks(euro.subarray(0, 2), [1])).toBe(false);
});
