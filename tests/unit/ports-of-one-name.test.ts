/**
 * Two ports of one name (kube-proxy never writes them, but a dump edited by hand, or whose comments
 * lie, can hold them) pair by what implements them, not at random: a dump diffed with itself says
 * nothing changed, and a change to one of them is told on that one. Found by the narrowed
 * reading's fuzz harness (tests/narrowed-reading-edits.test.ts).
 */
import { diffTexts, fixture } from '../support/snapshots';

const dump = fixture('hand-made', 'two-ports-one-name.txt');

test('a dump holding two ports named ns/a:http, diffed with itself: no change', () => {
  const r = diffTexts(dump, dump);
  expect(r.summary.changed).toBe(false);
  expect(r.services.map((s) => [s.name, s.before?.clusterIP, s.status])).toEqual([
    ['ns/a:http', '10.96.0.1', 'unchanged'],
    ['ns/a:http', '10.96.0.2', 'unchanged'],
  ]);
});

test('one of the two ports scaled: the change is told on that port, the other is unchanged', () => {
  const r = diffTexts(dump, dump.replaceAll('10.0.0.2:80', '10.0.0.3:80'));
  const changed = r.services.filter((s) => s.status !== 'unchanged');
  expect(changed.map((s) => [s.before?.clusterIP, s.endpointsAdded, s.endpointsRemoved])).toEqual([['10.96.0.2', ['10.0.0.3:80'], ['10.0.0.2:80']]]);
});
