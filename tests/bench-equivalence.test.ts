/**
 * The shortcuts that make large diffs fast change no answer: on a generated cluster and its scale
 * event (the benchmark's generator, small), and on the noise pair, the report is the same with
 * chains written alike skipped or compared rule by rule.
 */
import { diffSnapshots } from '../lib/diff/diff-snapshots';
import { renderJson } from '../lib/report/json';
import { parseSnapshot } from '../lib/snapshot/load-snapshot';
import { benchCluster, scaleEvent } from './bench/generate';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { toSaveFormat } from './support/save-format';

const cluster = benchCluster(300, 6, 7);
const before = toSaveFormat(writeRestorePayload(cluster, { seed: 7 }));
const after = toSaveFormat(writeRestorePayload(scaleEvent(cluster, 7), { seed: 14 }));
const payload = writeRestorePayload(cluster, { seed: 3 });

const json = (a: string, b: string, compareAlikeChains: boolean) => renderJson(diffSnapshots(parseSnapshot(a, 'a'), parseSnapshot(b, 'b'), { compareAlikeChains }), { toolVersion: 'test', all: true });

test('a scale event: the same report either way, and it is the scale', () => {
  const fast = json(before, after, false);
  expect(fast).toBe(json(before, after, true));
  const doc = JSON.parse(fast);
  const changed = doc.services.filter((s: { status: string }) => s.status !== 'unchanged');
  expect(changed.length).toBeGreaterThan(0);
  expect(changed.every((s: { endpointsAdded: string[]; endpointsRemoved: string[] }) => Math.abs(s.endpointsAdded.length - s.endpointsRemoved.length) === 2)).toBe(true);
});

test('the noise pair (restore payload vs iptables-save): no semantic change either way', () => {
  const fast = json(payload, before, false);
  expect(fast).toBe(json(payload, before, true));
  expect(JSON.parse(fast).summary.changed).toBe(false);
});
