/**
 * `?watch=true`: a chunked stream of newline-separated WatchEvents. Without a resourceVersion (or
 * with "0") it starts with synthetic ADDED events for what exists; with one, it replays what
 * happened after it (ERROR 410 Expired when that is older than the history kept). Objects moving
 * in or out of the selectors show up as ADDED / DELETED, as with the real watch cache.
 */
import type { ServerResponse } from 'node:http';
import { groupVersionString, type ResourceType } from './resources';
import type { Matcher } from './selectors';
import { gone } from './status';
import type { ObjectStore, StoredEvent } from './store';
import type { KubeObject, WatchEventType } from './types';

export interface WatchRequest {
  type: ResourceType;
  namespace: string | undefined;
  matches: Matcher;
  resourceVersion: string | null;
  timeoutSeconds: number | null;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** How an event's object goes on the wire: itself, or a one-row Table (as=Table). */
  render: (object: KubeObject) => object;
}

function withTypeMeta(type: ResourceType, object: KubeObject): KubeObject {
  return { ...object, apiVersion: groupVersionString(type), kind: type.kind };
}

export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly store: ObjectStore) {}

  serve(req: WatchRequest, res: ServerResponse): void {
    const inScope = (o: KubeObject): boolean => req.namespace === undefined || o.metadata.namespace === req.namespace;
    const matches = (o: KubeObject | undefined): boolean => o !== undefined && inScope(o) && req.matches(o);
    const send = (type: WatchEventType, object: object): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const relay = (event: StoredEvent): void => {
      if (event.resource !== req.type.resource) return;
      const type = this.translate(event, matches);
      if (type) send(type, req.render(withTypeMeta(req.type, event.object)));
    };

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    this.open.add(res);
    const rv = req.resourceVersion;
    if (rv && rv !== '0' && Number(rv) < this.store.oldestWatchable) {
      send('ERROR', gone(rv, String(this.store.resourceVersion)).toStatus());
      this.finish(res);
      return;
    }
    if (!rv || rv === '0') {
      for (const o of this.store.list(req.type.resource, req.namespace).filter(matches)) send('ADDED', req.render(withTypeMeta(req.type, o)));
      if (req.sendInitialEvents && req.allowBookmarks) send('BOOKMARK', this.bookmark(req.type));
    } else {
      for (const event of this.store.eventsSince(Number(rv))) relay(event);
    }
    const unsubscribe = this.store.subscribe(relay);
    const timer = req.timeoutSeconds ? setTimeout(() => this.finish(res), req.timeoutSeconds * 1000) : undefined;
    res.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.open.delete(res);
    });
  }

  closeAll(): void {
    for (const res of this.open) this.finish(res);
  }

  private finish(res: ServerResponse): void {
    this.open.delete(res);
    if (!res.writableEnded) res.end();
  }

  private translate(event: StoredEvent, matches: (o: KubeObject | undefined) => boolean): WatchEventType | undefined {
    const now = event.type !== 'DELETED' && matches(event.object);
    const before = event.type !== 'ADDED' && matches(event.previous);
    if (now && before) return 'MODIFIED';
    if (now) return 'ADDED';
    if (before) return 'DELETED';
    return undefined;
  }

  /** The BOOKMARK that ends the initial events of a watch-list request (sendInitialEvents=true). */
  private bookmark(type: ResourceType): object {
    return {
      kind: type.kind,
      apiVersion: groupVersionString(type),
      metadata: { resourceVersion: String(this.store.resourceVersion), creationTimestamp: null, annotations: { 'k8s.io/initial-events-end': 'true' } },
    };
  }
}
