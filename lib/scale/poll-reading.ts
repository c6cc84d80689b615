/**
 * The rules a scale's polls read, each against the first poll (lib/narrow): at 10,000 services a
 * whole reading takes seconds, and the timeline tells events apart only as finely as a poll takes.
 * What a poll holds written as the first poll held it is not read again: a watched port of a
 * service left unread has the endpoints the first poll gave it.
 */
import type { ServiceModel } from '../model/service';
import type { Snapshot } from '../model/snapshot';
import { loadNarrowedPair, splitInput, type SplitInput } from '../snapshot/load-pair';
import { parseSnapshot } from '../snapshot/load-snapshot';
import { observedEndpoints, type EndpointSets } from './observe';

/** What is read of a poll's rules (a natdiff snapshot's text) to tell the endpoints of the watched ports. */
export interface PollRules {
  text: string;
  source: string;
}

function modelOf(snapshot: Snapshot, candidateNames: readonly string[]): ServiceModel {
  return snapshot.describe([...snapshot.serviceNames(), ...candidateNames]).model;
}

function portNames(model: ServiceModel): Set<string> {
  return new Set(model.ports.flatMap((p) => (p.name ? [p.name] : [])));
}

export class PollReading {
  /** The first poll's endpoints, and its first pass (null when it cannot be narrowed: every poll is then read whole). */
  private first: { split: SplitInput | null; endpoints: EndpointSets } | null = null;

  /** `names`: the watched ports; `candidateNames`: the cluster's service ports (IPVS names its ports from them). */
  constructor(
    private readonly names: readonly string[],
    private readonly candidateNames: readonly string[],
  ) {}

  /** The endpoints the rules give each watched port. */
  endpoints(rules: PollRules): EndpointSets {
    const bytes = Buffer.from(rules.text);
    const first = this.first;
    const pair = first?.split ? loadNarrowedPair(first.split, { source: rules.source, bytes }) : null;
    if (!first || !pair) {
      const endpoints = observedEndpoints(modelOf(parseSnapshot(rules.text, rules.source), this.candidateNames), [...this.names]);
      this.first ??= { split: splitInput({ source: 'the first poll', bytes }), endpoints };
      return endpoints;
    }
    const [before, after] = pair;
    const model = modelOf(after, this.candidateNames);
    const endpoints = observedEndpoints(model, [...this.names]);
    // A port read on neither side was left unread: written alike, it has the first poll's endpoints.
    const read = new Set([...portNames(model), ...portNames(modelOf(before, this.candidateNames))]);
    for (const name of this.names) if (!read.has(name)) endpoints.set(name, first.endpoints.get(name) ?? new Set());
    return endpoints;
  }
}
