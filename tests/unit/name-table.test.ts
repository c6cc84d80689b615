import fc from 'fast-check';
import { NameRanges, NameTable } from '../../lib/narrow/name-table';

/** Names written one after another, each followed by a space, and where each lies. */
function written(names: string[]): { bytes: Buffer; at: [number, number][] } {
  const at: [number, number][] = [];
  let text = '';
  for (const name of names) {
    at.push([text.length, text.length + name.length]);
    text += `${name} `;
  }
  return { bytes: Buffer.from(text, 'latin1'), at };
}

const chainName = fc.stringMatching(/^KUBE-(SEP|SVC)-[A-Z2-7]{0,16}$/);

describe('NameTable', () => {
  it('finds every name it was given, in its scope only, however many it grew to hold', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(chainName, fc.nat(3)), { maxLength: 3000 }), (entries) => {
        const { bytes, at } = written(entries.map(([name]) => name));
        // Room for few: a table that grows (every name placed again) must still find them all.
        const table = new NameTable(bytes, 1);
        const ids = entries.map(([, scope], k) => table.add(at[k]![0], at[k]![1], scope));
        const firstId = new Map<string, number>();
        entries.forEach(([name, scope], k) => {
          const key = `${scope} ${name}`;
          if (!firstId.has(key)) firstId.set(key, ids[k]!);
          expect(ids[k]).toBe(firstId.get(key));
        });
        expect(table.count).toBe(firstId.size);
        for (const [key, id] of firstId) {
          const [scope, name] = [Number(key.slice(0, key.indexOf(' '))), key.slice(key.indexOf(' ') + 1)];
          const other = Buffer.from(`x${name}`, 'latin1');
          expect(table.find(other, 1, other.length, scope)).toBe(id);
          expect(table.find(other, 1, other.length, scope + 4)).toBe(-1);
          expect(table.name(id)).toBe(name);
          expect(table.scopeOf(id)).toBe(scope);
          expect(table.matches(id, other, 1, other.length, scope)).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('finds every name again after growing from its least room (2,048) to 16,384', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `KUBE-SEP-${i.toString(32).toUpperCase().padStart(16, '0')}`);
    const { bytes, at } = written(names);
    const table = new NameTable(bytes, 1);
    const ids = names.map((_, k) => table.add(at[k]![0], at[k]![1], k % 3));
    expect(new Set(ids).size).toBe(names.length);
    names.forEach((name, k) => expect(table.find(Buffer.from(name), 0, name.length, k % 3)).toBe(ids[k]));
  });

  it('tells names apart that share a hash prefix or differ in length only', () => {
    const names = ['KUBE-SEP-A', 'KUBE-SEP-AB', 'KUBE-SEP-B', 'KUBE-SEP-', 'KUBE-SEP-BA'];
    const { bytes, at } = written(names);
    const table = new NameTable(bytes);
    const ids = names.map((_, k) => table.add(at[k]![0], at[k]![1], 0));
    expect(new Set(ids).size).toBe(names.length);
    names.forEach((name, k) => expect(table.find(Buffer.from(name), 0, name.length, 0)).toBe(ids[k]));
    expect(table.find(Buffer.from('KUBE-SEP-C'), 0, 10, 0)).toBe(-1);
  });

  /** A table of `held` in scopes 0 and 1 by turns, with room for few: names collide and are probed past. */
  const tableOf = (held: string[]): NameTable => {
    const here = written(held);
    const table = new NameTable(here.bytes, 1);
    here.at.forEach(([start, end], k) => table.add(start, end, k % 2));
    return table;
  };
  const heldAndAsked = [fc.array(chainName, { maxLength: 200 }), fc.array(fc.tuple(chainName, fc.nat(2)), { maxLength: 200 })] as const;

  it('finds many names of another table at once as it finds each (findAll is find, batched)', () => {
    fc.assert(
      fc.property(...heldAndAsked, (held, asked) => {
        const table = tableOf(held);
        const there = written(asked.map(([name]) => name));
        const other = new NameTable(there.bytes, 1);
        const ids = there.at.map(([start, end], k) => other.add(start, end, asked[k]![1]));
        const found = table.findAll(other, ids, 1);
        expect(Array.from(found)).toEqual(ids.map((id) => table.find(other.bytes, other.startOf(id), other.endOf(id), 1)));
      }),
      { numRuns: 100 },
    );
  });

  it('finds many byte ranges, each in its own scope, at once as it finds each (findRanges is find, batched)', () => {
    fc.assert(
      fc.property(...heldAndAsked, (held, asked) => {
        const table = tableOf(held);
        const there = written(asked.map(([name]) => name));
        const ranges = new NameRanges(1);
        there.at.forEach(([start, end], k) => ranges.push(start, end, asked[k]![1]));
        expect(Array.from(table.findRanges(there.bytes, ranges))).toEqual(there.at.map(([start, end], k) => table.find(there.bytes, start, end, asked[k]![1])));
      }),
      { numRuns: 100 },
    );
  });
});
