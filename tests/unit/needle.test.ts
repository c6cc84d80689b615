import fc from 'fast-check';
import { Needle } from '../../lib/narrow/needle';

describe('Needle', () => {
  it('finds a byte string where indexOf finds it, whatever part of it is looked for', () => {
    // Few letters: needles occur, and occur in part.
    const bytes = (max: number) => fc.array(fc.constantFrom(0x20, 0x2d, 0x63, 0x0a), { minLength: 1, maxLength: max }).map((b) => Buffer.from(b));
    fc.assert(
      fc.property(bytes(200), bytes(5), fc.nat(), fc.nat(), (haystack, needle, part, from) => {
        const at = from % (haystack.length + 1);
        expect(new Needle(needle, part % needle.length).indexIn(haystack, at)).toBe(haystack.indexOf(needle, at));
      }),
      { numRuns: 2000 },
    );
  });
});
