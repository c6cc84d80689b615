/**
 * The nodes' snapshots, read one after the other, each reduced to its digest before the next is
 * read: only one dump is ever held. Each input is held to the memory budget a diff holds it to.
 */
import type { Warning } from '../errors';
import type { Snapshot } from '../model/snapshot';
import { loadSnapshot, type LoadOptions } from '../snapshot/load-snapshot';
import { checkMemoryBudget, MemoryBudget } from '../snapshot/memory-budget';
import { DigestPool, digestSnapshot, type NodeDigest } from './digest';
import { nodeNameOf, uniqueNames } from './node-names';

export type NodeReadOptions = Pick<LoadOptions, 'allowTruncated' | 'payload' | 'format' | 'onProgress'>;

/** One input as a snapshot, within the memory budget (checked as it is read). */
function readNode(path: string, options: NodeReadOptions): Promise<Snapshot> {
  checkMemoryBudget([path]);
  return loadSnapshot(path, { ...options, budget: new MemoryBudget() });
}

/** Digests whose node names, taken from each snapshot's metadata or path, are made unique. */
export function namedDigests(digests: readonly NodeDigest[]): NodeDigest[] {
  const names = uniqueNames(digests.map((d) => ({ name: d.node, path: d.source })));
  return digests.map((d, i) => ({ ...d, node: names[i] as string }));
}

/** Every input's digest, in the order given; `onRead` is told as each is done, with the warnings about it. */
export async function readNodes(paths: readonly string[], options: NodeReadOptions, onRead?: (warnings: Warning[], done: number) => void): Promise<NodeDigest[]> {
  const digests: NodeDigest[] = [];
  const pool = new DigestPool();
  for (const path of paths) {
    const snapshot = await readNode(path, options);
    const { digest, warnings } = digestSnapshot(snapshot, nodeNameOf(snapshot.metadata, path), pool);
    digests.push(digest);
    onRead?.(warnings, digests.length);
  }
  return namedDigests(digests);
}
