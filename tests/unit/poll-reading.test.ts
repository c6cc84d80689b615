/**
 * natdiff scale's polls read each poll against the first (lib/scale/poll-reading.ts): the watched
 * ports' endpoints are what a whole reading of the poll gives them, whether the poll's services
 * were read or left unread, and whatever the first pass could narrow.
 */
import { fc, test as property } from '@fast-check/jest';
import { observedEndpoints, type EndpointSets } from '../../lib/scale/observe';
import { PollReading } from '../../lib/scale/poll-reading';
import { AgainstFirst } from '../../lib/snapshot/against-first';
import { loadNarrowedPair, splitInput } from '../../lib/snapshot/load-pair';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { benchCluster, scaleEvent } from '../bench/generate';
import { cluster as clusterArbitrary } from '../support/cluster-arbitrary';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { toSaveFormat } from '../support/save-format';

const dump = (c: ClusterSpec, seed = 1) => toSaveFormat(writeRestorePayload(c, { seed }));

/** Every port name of the cluster, as the rules' comments give it. */
function portNamesOf(c: ClusterSpec): string[] {
  return c.services.flatMap((s) => s.ports.map((p) => `${s.namespace}/${s.name}${p.name ? `:${p.name}` : ''}`));
}

function whole(text: string, names: string[]): EndpointSets {
  const s = parseSnapshot(text, 'poll');
  return observedEndpoints(s.describe(s.serviceNames()).model, names);
}

const plain = (sets: EndpointSets) => Object.fromEntries([...sets].map(([n, s]) => [n, [...s].sort()]));

test('a scale event: each poll gives the watched ports the endpoints a whole reading gives them', () => {
  const start = benchCluster(200, 4, 3);
  const names = portNamesOf(start);
  const polls = new PollReading(names, []);
  const scaled = scaleEvent(start, 3);
  // Services that gain and lose endpoints, one removed, and the first state again.
  const removed: ClusterSpec = { ...scaled, services: scaled.services.slice(1) };
  // The polls after the first are read narrowed: most of each is left unread.
  const first = splitInput({ source: 'first', bytes: Buffer.from(dump(start, 1)) });
  const [, after] = (first && loadNarrowedPair(first, { source: 'poll', bytes: Buffer.from(dump(scaled, 2)) })) ?? [];
  expect(after?.alikeUnread?.servicePorts).toBeGreaterThan(150);
  for (const [k, state] of [start, scaled, removed, start].entries()) {
    const text = dump(state, k + 1);
    expect(plain(polls.endpoints({ text, source: 'poll' }))).toEqual(plain(whole(text, names)));
  }
});

test('a poll the first pass cannot narrow (a restore payload) is read whole: the same endpoints', () => {
  const start = benchCluster(50, 3, 5);
  const names = portNamesOf(start);
  const polls = new PollReading(names, []);
  polls.endpoints({ text: dump(start), source: 'poll' });
  const payload = writeRestorePayload(scaleEvent(start, 5), { seed: 2 });
  expect(plain(polls.endpoints({ text: payload, source: 'poll' }))).toEqual(plain(whole(payload, names)));
});

test('a first poll that cannot be narrowed (a restore payload) is no reference: the next poll that can is', () => {
  const start = benchCluster(40, 3, 6);
  const names = portNamesOf(start);
  const polls = new PollReading(names, []);
  const states = [writeRestorePayload(start, { seed: 1 }), dump(start, 2), dump(scaleEvent(start, 6), 3), dump(start, 4)];
  for (const text of states) expect(plain(polls.endpoints({ text, source: 'poll' }))).toEqual(plain(whole(text, names)));
});

property.prop([clusterArbitrary, clusterArbitrary], { numRuns: 60 })('any cluster, any next state: the endpoints of a whole reading', (first, next) => {
  const names = [...new Set([...portNamesOf(first), ...portNamesOf(next)])];
  const polls = new PollReading(names, []);
  polls.endpoints({ text: dump(first), source: 'poll' });
  // The next state beside the first, so that some services are written alike and some are not.
  const mixed: ClusterSpec = { ...first, services: [...first.services.slice(0, 2), ...next.services.filter((s) => !first.services.some((f) => f.namespace === s.namespace && f.name === s.name))] };
  for (const state of [mixed, next, first]) {
    const text = dump(state, 2);
    expect(plain(polls.endpoints({ text, source: 'poll' }))).toEqual(plain(whole(text, names)));
  }
});

test('a poll that finds the rules as the last poll did is not read again: the same endpoints, its own copy', () => {
  const start = benchCluster(30, 3, 7);
  const names = portNamesOf(start);
  const polls = new PollReading(names, []);
  const read = jest.spyOn(AgainstFirst.prototype, 'read');
  try {
    const [before, scaled] = [dump(start, 1), dump(scaleEvent(start, 7), 2)];
    const metadata = { parts: [{ table: 'nat', line: 1 }] } as never;
    const first = polls.endpoints({ text: before, source: 'poll', metadata });
    const again = polls.endpoints({ text: before, source: 'poll', metadata: { parts: [{ table: 'nat', line: 1 }] } as never });
    expect(read).toHaveBeenCalledTimes(1);
    expect(plain(again)).toEqual(plain(first));
    // A copy: what the caller does with one answer is not the next's.
    (again.values().next().value as Set<string>).clear();
    expect(plain(polls.endpoints({ text: before, source: 'poll', metadata }))).toEqual(plain(first));
    // Other rules, or the same rules with other metadata, are read.
    expect(plain(polls.endpoints({ text: scaled, source: 'poll', metadata }))).toEqual(plain(whole(scaled, names)));
    polls.endpoints({ text: scaled, source: 'poll', metadata: { parts: [{ table: 'nat', line: 2 }] } as never });
    expect(read).toHaveBeenCalledTimes(3);
  } finally {
    read.mockRestore();
  }
});
