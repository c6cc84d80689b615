/**
 * `natdiff drift --all-nodes` reads each node's capture against the first one read
 * (lib/drift/node-reading.ts): its report is the report of every node read whole,
 * whether a node's services were read again or left unread, and whatever the first pass could
 * narrow.
 */
import { fc, test as property } from '@fast-check/jest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareNodes } from '../../lib/drift/compare';
import { digestSnapshot } from '../../lib/drift/digest';
import { nodeDigests } from '../../lib/drift/node-reading';
import { readNodes } from '../../lib/drift/read-nodes';
import { driftDocument } from '../../lib/report/drift-json';
import { loadNarrowedPair, splitInput } from '../../lib/snapshot/load-pair';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';
import { benchCluster, scaleEvent } from '../bench/generate';
import { cluster as clusterArbitrary } from '../support/cluster-arbitrary';
import { writeRestorePayload, type ClusterSpec } from '../support/kube-proxy-writer';
import { toSaveFormat } from '../support/save-format';
import { scratchDir } from '../support/scratch-dir';

const dir = scratchDir('natdiff-drift-against-');

const dump = (c: ClusterSpec, seed = 1) => toSaveFormat(writeRestorePayload(c, { seed }));

/** The drift report of the nodes (their dumps, in order), read whole and read against the first. */
function reports(nodes: string[]) {
  const whole = nodes.map((text, k) => digestSnapshot(parseSnapshot(text, `node-${k}`), `node-${k}`).digest);
  const against = nodeDigests();
  const narrowed = nodes.map((text, k) => against.read({ source: `node-${k}`, text, node: () => `node-${k}` }).digest);
  return [whole, narrowed].map((digests) => driftDocument(compareNodes(digests), { all: true }));
}

test('nodes that hold the same rules, one a scale event behind, one missing a service, one in another format: the report of every node read whole', () => {
  const c = benchCluster(120, 4, 9);
  const scaled = scaleEvent(c, 9);
  const missing: ClusterSpec = { ...c, services: c.services.slice(3) };
  const [whole, narrowed] = reports([dump(c, 1), dump(c, 2), dump(scaled, 3), dump(missing, 4), writeRestorePayload(scaled, { seed: 5 }), dump(c, 6)]);
  expect(narrowed).toEqual(whole);
  expect(whole?.summary.drifting).toBeGreaterThan(0);
  // The nodes after the first are read narrowed: most of each is left unread.
  const first = splitInput({ source: 'node-0', bytes: Buffer.from(dump(c, 1)) });
  const [, after] = (first && loadNarrowedPair(first, { source: 'node-2', bytes: Buffer.from(dump(scaled, 3)) })) ?? [];
  expect(after?.alikeUnread?.servicePorts).toBeGreaterThan(100);
});

test('natdiff drift FILE…: the files read against the first give the report of each read whole', async () => {
  const c = benchCluster(60, 3, 4);
  const texts = [dump(c, 1), dump(scaleEvent(c, 4), 2), dump({ ...c, services: c.services.slice(2) }, 3)];
  const paths = texts.map((text, k) => {
    const path = join(dir, `node-${k}.txt`);
    writeFileSync(path, text);
    return path;
  });
  const whole = texts.map((text, k) => digestSnapshot(parseSnapshot(text, paths[k] as string), paths[k] as string).digest);
  expect(driftDocument(compareNodes(await readNodes(paths, {})), { all: true })).toEqual(driftDocument(compareNodes(whole), { all: true }));
});

property.prop([clusterArbitrary, clusterArbitrary, fc.array(fc.boolean(), { minLength: 2, maxLength: 5 })], { numRuns: 40 })(
  'any two cluster states spread over the nodes: the report of every node read whole',
  (first, second, which) => {
    const nodes = which.map((second_, k) => dump(second_ ? second : first, k + 1));
    const [whole, narrowed] = reports(nodes);
    expect(narrowed).toEqual(whole);
  },
);
