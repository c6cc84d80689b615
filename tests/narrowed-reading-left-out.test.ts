/**
 * Dispatch rules of the services left unread (KUBE-SERVICES, KUBE-NODEPORTS) are left out of the
 * narrowed reading when where they stand cannot matter (lib/parse/iptables/narrow-left-out.ts),
 * and the answer is the whole reading's all the same: a reorder that only they show is still
 * "reordered, no effect", and where they could overlap another rule they are read.
 */
import type { DiffReport } from '../lib/diff/types';
import { narrowHere } from '../lib/narrow/first-pass';
import { iptablesFirstPass } from '../lib/parse/iptables/narrow';
import { benchCluster } from './bench/generate';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { expectSameAnswer } from './support/narrowed-answer';
import { toSaveFormat } from './support/save-format';

const cluster = benchCluster(40, 3, 3);
const before = toSaveFormat(writeRestorePayload(cluster, { seed: 3 }));
const lines = before.split('\n');
const natStart = lines.indexOf('*nat');
const dispatch = lines.flatMap((l, i) => (i > natStart && l.startsWith('-A KUBE-SERVICES -d ') ? [i] : []));
/** The service a dispatch line routes to changed: one of its endpoints now listens elsewhere. */
const changedService = (text: string, dispatchLine: string): string => {
  const svc = /-j (KUBE-SVC-\w+)$/.exec(dispatchLine)?.[1] as string;
  const sep = new RegExp(`^-A ${svc} .*-j (KUBE-SEP-\\w+)$`, 'm').exec(text)?.[1] as string;
  return text.replace(new RegExp(`^(-A ${sep} .*--to-destination [\\d.]+):8080$`, 'm'), '$1:9090');
};
const changed = lines[dispatch[5] as number] as string;
/** `before` with the service of `changed` changed and the lines at `i` and `j` swapped. */
const swapped = (i: number, j: number, text = changedService(before, changed)): string => {
  const l = text.split('\n');
  [l[i], l[j]] = [l[j] as string, l[i] as string];
  return l.join('\n');
};
const noise = (r: DiffReport | null) => r?.noise.reorderedNoEffect ?? null;
const leftOut = (a: string, b: string) => narrowHere(iptablesFirstPass, Buffer.from(a), Buffer.from(b))?.after.leftOut ?? [];

test('the dispatch rules of services left unread are not read: KUBE-SERVICES is read with the changed service’s rule and its last rule', () => {
  const after = changedService(before, changed);
  const n = narrowHere(iptablesFirstPass, Buffer.from(before), Buffer.from(after));
  const read = n?.after.text.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ')) ?? [];
  expect(read).toEqual([changed, lines.filter((l) => l.startsWith('-A KUBE-SERVICES ')).pop()]);
  expect(n?.after.leftOut?.map((r) => r.chain)).toContain('KUBE-SERVICES');
  expect(noise(expectSameAnswer(before, after))).toEqual([]);
});

test('two unread services’ dispatch rules swapped: still "KUBE-SERVICES reordered, no effect"', () => {
  const [x, y] = dispatch.filter((i) => i !== dispatch[5]) as [number, number];
  const after = swapped(x, y);
  expect(leftOut(before, after).length).toBeGreaterThan(0);
  expect(noise(expectSameAnswer(before, after))).toContain('KUBE-SERVICES');
});

test('an unread service’s dispatch rule moved past the changed service’s: still reordered, no effect', () => {
  const after = swapped(dispatch[4] as number, dispatch[5] as number);
  expect(leftOut(before, after).length).toBeGreaterThan(0);
  expect(noise(expectSameAnswer(before, after))).toContain('KUBE-SERVICES');
});

test('an unread service’s dispatch rule sharing its address and port with another rule is read (the order of the two may matter)', () => {
  const twin = (lines[dispatch[1] as number] as string).replace(/-d [\d.]+\/32/, /-d [\d.]+\/32/.exec(lines[dispatch[2] as number] as string)?.[0] as string);
  const withTwin = (t: string) => t.replace(lines[dispatch[1] as number] as string, twin);
  const b = withTwin(before);
  const after = withTwin(swapped(dispatch[1] as number, dispatch[2] as number));
  const n = narrowHere(iptablesFirstPass, Buffer.from(b), Buffer.from(after));
  expect(n?.after.text).toContain(twin);
  expect(expectSameAnswer(b, after)?.chains.find((c) => c.name === 'KUBE-SERVICES')?.reordered).toBe('possible');
});

test('a KUBE-SERVICES rule not written as kube-proxy writes a dispatch rule keeps every rule of the chain read', () => {
  const odd = `-A KUBE-SERVICES ! -s 10.64.0.0/10 -d 10.96.0.200/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ`;
  const withOdd = (t: string) => t.replace(`${lines[dispatch[3] as number] as string}\n`, `${lines[dispatch[3] as number] as string}\n${odd}\n`);
  const after = withOdd(swapped(dispatch[0] as number, dispatch[1] as number));
  expect(leftOut(withOdd(before), after)).toEqual([]);
  expect(noise(expectSameAnswer(withOdd(before), after))).toContain('KUBE-SERVICES');
});

test('nothing moved: no reorder said, read narrowed or whole', () => {
  expect(noise(expectSameAnswer(before, changedService(before, changed)))).toEqual([]);
});
