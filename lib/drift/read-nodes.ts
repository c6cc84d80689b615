/**
 * The nodes' snapshots, read one after the other, each reduced to its digest before the next is
 * read: only one dump is ever held (and the first's bytes, which the others are read against).
 */
import type { Warning } from '../errors';
import { checkMemoryBudget, MemoryBudget } from '../snapshot/memory-budget';
import { decodeInput, readInputBytes } from '../snapshot/read-input';
import type { NodeDigest } from './digest';
import { nodeDigests, type NodeReadOptions } from './node-reading';
import { nodeNameOf, uniqueNames } from './node-names';

export type { NodeReadOptions };

/** Digests whose node names, taken from each snapshot's metadata or path, are made unique. */
export function namedDigests(digests: readonly NodeDigest[]): NodeDigest[] {
  const names = uniqueNames(digests.map((d) => ({ name: d.node, path: d.source })));
  return digests.map((d, i) => ({ ...d, node: names[i] as string }));
}

/**
 * Every input's digest, in the order given, each read against the first (only what differs from
 * it is read again); `onRead` is told as each is done, with the warnings about it.
 */
export async function readNodes(paths: readonly string[], options: NodeReadOptions, onRead?: (warnings: Warning[], done: number) => void): Promise<NodeDigest[]> {
  const digests: NodeDigest[] = [];
  const nodes = nodeDigests(options);
  for (const path of paths) {
    // Each input held to the memory budget a diff holds it to, checked as it is read.
    checkMemoryBudget([path]);
    const bytes = await readInputBytes(path, { budget: new MemoryBudget() });
    const { digest, warnings } = nodes.read({ source: path, text: decodeInput(bytes), bytes, node: (snapshot) => nodeNameOf(snapshot.metadata, path) });
    digests.push(digest);
    onRead?.(warnings, digests.length);
  }
  return namedDigests(digests);
}
