/**
 * Nodes' inputs read against the first one digested (lib/snapshot/against-first.ts): the nodes of
 * a cluster hold nearly the same rules, so only the services whose rules differ from the first
 * node's are read again, and the ports of the others are the first node's digests (at 10,000
 * services a whole reading takes seconds a node). As in `natdiff diff`, warnings about what is
 * left unread are not made again: they are the first node's.
 */
import type { Warning } from '../errors';
import type { Snapshot } from '../model/snapshot';
import { AgainstFirst, type AgainstFirstOptions, type TextInput } from '../snapshot/against-first';
import { DigestPool, digestSnapshot, type NodeDigest } from './digest';

/** How a node's input is read (what `natdiff drift` takes). */
export type NodeReadOptions = AgainstFirstOptions;

/** A node's input, and what the report calls the node (from its snapshot: its metadata, or the path). */
export interface NodeInput extends TextInput {
  node: (snapshot: Snapshot) => string;
}

export type NodeReading = { digest: NodeDigest; warnings: Warning[] };

/** The keys of the service ports a snapshot describes (named as digestSnapshot names them). */
function describedKeys(snapshot: Snapshot): string[] {
  const names = snapshot.serviceNames();
  for (const p of snapshot.metadata?.servicePorts ?? []) names.add(p.name);
  return snapshot.describe(names).model.ports.map((p) => p.key);
}

/** Digests of nodes' inputs, each read against the first that could be narrowed. */
export function nodeDigests(options: NodeReadOptions = {}, pool = new DigestPool()): AgainstFirst<NodeReading, NodeInput> {
  return new AgainstFirst<NodeReading, NodeInput>(
    {
      whole: (snapshot, input) => digestSnapshot(snapshot, input.node(snapshot), pool),
      narrowed: (before, after, first, input) => {
        const read = digestSnapshot(after, input.node(after), pool);
        // A port read on neither side was left unread: written alike, it is the first node's.
        const keys = new Set([...read.digest.ports.map((p) => p.key), ...describedKeys(before)]);
        return { digest: { ...read.digest, ports: [...read.digest.ports, ...first.digest.ports.filter((p) => !keys.has(p.key))] }, warnings: read.warnings };
      },
    },
    options,
  );
}
