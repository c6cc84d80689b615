/**
 * fast-check inputs made from real listings, for the readers' "only InputErrors" properties: words
 * of a format in any order, a listing edited anywhere, a JSON listing with any value replaced.
 */
import fc from 'fast-check';

/** The words in any order, with a space, nothing or a newline after each; half the time after `frame`. */
export function wordSoup(words: readonly string[], frame: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.boolean(), fc.array(fc.constantFrom(...words), { maxLength: 80 }), fc.array(fc.constantFrom(' ', '', '\n'), { minLength: 80, maxLength: 80 }))
    .map(([framed, picked, gaps]) => (framed ? frame : '') + picked.map((w, i) => w + (gaps[i] ?? ' ')).join(''));
}

/** One of the texts with a few edits: at any place, a range removed and one of the words put in. */
export function editedAnywhere(texts: readonly string[], words: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...texts), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom(...words)), { minLength: 1, maxLength: 6 }))
    .map(([text, edits]) => {
      let out = text;
      for (const [at, cut, word] of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + word + out.slice(i + cut);
      }
      return out;
    });
}

type Slot = [Record<string, unknown> | unknown[], string | number];

/** Every place in a JSON document a value sits: its container and key. */
function slots(node: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(node)) node.forEach((v, i) => (out.push([node, i]), slots(v, out)));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (out.push([node as Record<string, unknown>, k]), slots(v, out));
  return out;
}

/** One of the JSON documents with values anywhere in it (objects, expressions, operands) replaced by arbitrary JSON. */
export function jsonValuesReplaced(docs: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...docs), fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
    const doc = JSON.parse(text) as unknown;
    for (const [at, value] of edits) {
      const all = slots(doc);
      const [container, key] = all[at % all.length] as [Record<string, unknown>, string];
      container[key] = value;
    }
    return JSON.stringify(doc);
  });
}
