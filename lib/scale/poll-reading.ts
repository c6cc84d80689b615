/**
 * The rules a scale's polls read, each against the first poll (lib/snapshot/against-first.ts): at
 * 10,000 services a whole reading takes seconds, and the timeline tells events apart only as
 * finely as a poll takes. What a poll holds written as the first poll held it is not read again:
 * a watched port of a service left unread has the endpoints the first poll gave it.
 */
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

export class PollReading {
  private readonly polls: AgainstFirst<EndpointSets>;

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
    return this.polls.read(rules);
  }
}
