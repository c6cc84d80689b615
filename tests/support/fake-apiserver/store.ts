/**
 * The object store: every object of every resource, one global resourceVersion counter (as etcd's
 * revision), and a bounded event history so watches can resume from a resourceVersion.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './types';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: ChangeType;
  /** Plural resource name ("pods"). */
  resource: string;
  resourceVersion: number;
  object: KubeObject;
  /** The object before a MODIFIED or DELETED change. */
  previous?: KubeObject;
}

export type Listener = (event: StoredEvent) => void;

const HISTORY_LIMIT = 5000;

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function now(): string {
  // The API serves RFC 3339 timestamps with second precision.
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ObjectStore {
  private revision = 1;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestWatchable(): number {
    const first = this.history[0];
    return first ? first.resourceVersion - 1 : this.revision;
  }

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    const found = this.bucket(resource).get(key(namespace, name));
    return found ? (structuredClone(found) as T) : undefined;
  }

  /** Objects of a resource, optionally in one namespace, ordered by namespace then name. */
  list<T extends KubeObject>(resource: string, namespace?: string): T[] {
    const items = [...this.bucket(resource).entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => structuredClone(o) as T);
    return items;
  }

  has(resource: string, namespace: string | undefined, name: string): boolean {
    return this.bucket(resource).has(key(namespace, name));
  }

  create<T extends KubeObject>(resource: string, object: T): T {
    const stored = structuredClone(object);
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= now();
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(key(stored.metadata.namespace, stored.metadata.name), stored);
    this.emit({ type: 'ADDED', resource, resourceVersion: this.revision, object: stored });
    return structuredClone(stored);
  }

  update<T extends KubeObject>(resource: string, object: T): T {
    const k = key(object.metadata.namespace, object.metadata.name);
    const previous = this.bucket(resource).get(k);
    if (!previous) throw new Error(`update of missing ${resource} ${k}`);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    this.bucket(resource).set(k, stored);
    this.emit({ type: 'MODIFIED', resource, resourceVersion: this.revision, object: stored, previous });
    return structuredClone(stored);
  }

  delete<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    const k = key(namespace, name);
    const previous = this.bucket(resource).get(k);
    if (!previous) return undefined;
    this.bucket(resource).delete(k);
    const gone = structuredClone(previous);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', resource, resourceVersion: this.revision, object: gone, previous });
    return structuredClone(gone) as T;
  }

  /** Events with a resourceVersion above `after`, oldest first. */
  eventsSince(after: number): StoredEvent[] {
    return this.history.filter((e) => e.resourceVersion > after);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let found = this.objects.get(resource);
    if (!found) {
      found = new Map();
      this.objects.set(resource, found);
    }
    return found;
  }

  private emit(event: StoredEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    for (const listener of [...this.listeners]) listener(event);
  }
}
