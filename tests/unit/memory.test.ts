import { collectGarbage } from '../../cli/memory';

describe('a full collection between reading and diffing', () => {
  test('frees what is dead, and leaves no gc() in the global scope', () => {
    let garbage: string[] | null = Array.from({ length: 400_000 }, (_, i) => `${i}`.padStart(200, 'x'));
    expect(garbage.length).toBe(400_000);
    garbage = null;
    const before = process.memoryUsage().heapUsed;
    collectGarbage();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 40 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
