/**
 * The rules a scale's polls read, each against the first poll (lib/snapshot/against-first.ts): at
 * 10,000 services a whole reading takes seconds, and the timeline tells events apart only as
 * finely as a poll takes. What a poll holds written as the first poll held it is not read again:
 * a watched port of a service left unread has the endpoints the first poll gave it. A poll that
 * finds the rules as the last poll found them (a scale waits out most polls so) is not read at all.
 */
import { createHash } from 'node:crypto';
import type { SnapshotMetadata } from '../model/metadata';
import type { ServiceModel } from '../model/service';
import type { Snapshot } from '../model/snapshot';
import { AgainstFirst, type TextInput } from '../snapshot/against-first';
import { observedEndpoints, type EndpointSets } from './observe';

function modelOf(snapshot: Snapshot, candidateNames: readonly string[]): ServiceModel {
  return snapshot.describe([...snapshot.serviceNames(), ...candidateNames]).model;
}

function portNames(model: ServiceModel): Set<string> {
  return new Set(model.ports.flatMap((p) => (p.name ? [p.name] : [])));
}

/** What a poll read: its rules' digest, its metadata, and the endpoints it gave. */
interface Poll {
  digest: string;
  metadata: SnapshotMetadata | null | undefined;
  endpoints: EndpointSets;
}

/** The same metadata: every field the same object, but the parts (made for each capture), the same in value. */
function sameMetadata(x: SnapshotMetadata | null | undefined, y: SnapshotMetadata | null | undefined): boolean {
  if (!x || !y) return x === y;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)] as (keyof SnapshotMetadata)[]);
  return [...keys].every((k) => (k === 'parts' ? JSON.stringify(x.parts) === JSON.stringify(y.parts) : x[k] === y[k]));
}

const copied = (sets: EndpointSets): EndpointSets => new Map([...sets].map(([name, set]) => [name, new Set(set)]));

export class PollReading {
  private readonly polls: AgainstFirst<EndpointSets>;
  private last: Poll | null = null;

  /** `names`: the watched ports; `candidateNames`: the cluster's service ports (IPVS names its ports from them). */
  constructor(names: readonly string[], candidateNames: readonly string[]) {
    const watched = [...names];
    this.polls = new AgainstFirst({
      whole: (snapshot) => observedEndpoints(modelOf(snapshot, candidateNames), watched),
      narrowed: (before, after, first) => {
        const model = modelOf(after, candidateNames);
        const endpoints = observedEndpoints(model, watched);
        // A port read on neither side was left unread: written alike, it has the first poll's endpoints.
        const read = new Set([...portNames(model), ...portNames(modelOf(before, candidateNames))]);
        for (const name of watched) if (!read.has(name)) endpoints.set(name, new Set(first.get(name)));
        return endpoints;
      },
    });
  }

  /** The endpoints the rules give each watched port. */
  endpoints(rules: TextInput): EndpointSets {
    // Its bytes made once: hashed here, and read (AgainstFirst reads the bytes it is given).
    const bytes = rules.bytes ?? Buffer.from(rules.text);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const last = this.last;
    const endpoints = last && last.digest === digest && sameMetadata(last.metadata, rules.metadata) ? last.endpoints : this.polls.read({ ...rules, bytes });
    this.last = { digest, metadata: rules.metadata, endpoints };
    return copied(endpoints);
  }
}
