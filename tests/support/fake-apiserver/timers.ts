/**
 * Delayed work for the fake controllers, all cancelled by close(). `once` coalesces: while a keyed
 * job is pending, scheduling it again is a no-op, and the job reads the state when it runs (like a
 * controller's work queue, or kube-proxy's minimum sync period).
 */

export type Job = () => void | Promise<void>;

export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly keyed = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  after(ms: number, job: Job): void {
    if (this.closed) return;
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      this.run(job);
    }, ms);
    this.pending.add(handle);
  }

  once(key: string, ms: number, job: Job): void {
    if (this.closed || this.keyed.has(key)) return;
    const handle = setTimeout(() => {
      this.keyed.delete(key);
      this.run(job);
    }, ms);
    this.keyed.set(key, handle);
  }

  close(): void {
    this.closed = true;
    for (const h of this.pending) clearTimeout(h);
    for (const h of this.keyed.values()) clearTimeout(h);
    this.pending.clear();
    this.keyed.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private run(job: Job): void {
    if (this.closed) return;
    try {
      const result = job();
      if (result instanceof Promise) result.catch(this.onError);
    } catch (error) {
      this.onError(error);
    }
  }
}
