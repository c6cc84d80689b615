/**
 * Items waiting under a key, taken first in, first out. Taking is constant time however many
 * wait under one key: a chain of 100k identical rules puts them all under one.
 */
export class KeyedQueues<T> {
  private readonly queues = new Map<string, { items: T[]; next: number }>();

  add(key: string, item: T): void {
    const q = this.queues.get(key);
    if (q) q.items.push(item);
    else this.queues.set(key, { items: [item], next: 0 });
  }

  /** The oldest item still waiting under `key`, now taken. */
  take(key: string): T | undefined {
    const q = this.queues.get(key);
    if (!q || q.next === q.items.length) return undefined;
    return q.items[q.next++];
  }
}
