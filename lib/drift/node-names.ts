/** How drift names a node: by what its snapshot recorded, else by the file it was read from. */
import type { SnapshotMetadata, SourceKind } from '../model/metadata';

/** Where a snapshot's rules were read, as `natdiff snapshots` lists it. */
export interface Place {
  node: string | null;
  source: { kind: SourceKind; target: string | null } | null;
}

/** The node; with none, the network namespace or ssh host the rules were read from (`netns:x`, `ssh:admin@h`); else null. */
export function placeName(place: Place): string | null {
  if (place.node) return place.node;
  const { source } = place;
  if ((source?.kind === 'netns' || source?.kind === 'ssh') && source.target) return `${source.kind}:${source.target}`;
  return null;
}

/** A snapshot's node name: its metadata's place, else the path as given. */
export function nodeNameOf(metadata: SnapshotMetadata | null, path: string): string {
  return (metadata && placeName(metadata)) ?? path;
}

/**
 * Names made unique: a name two inputs share becomes `name (path)`, and where the paths are the
 * same too, `#2`, `#3`… in the order given (the same file given twice: the same rules).
 */
export function uniqueNames(named: readonly { name: string; path: string }[]): string[] {
  const count = new Map<string, number>();
  for (const { name } of named) count.set(name, (count.get(name) ?? 0) + 1);
  const first = named.map(({ name, path }) => ((count.get(name) ?? 0) > 1 && name !== path ? `${name} (${path})` : name));
  const seen = new Map<string, number>();
  return first.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} #${n}`;
  });
}
