/**
 * Dispatch rules of the services left unread (KUBE-SERVICES, KUBE-NODEPORTS) are left out of the
 * narrowed reading when where they stand cannot matter (lib/parse/iptables/narrow-left-out.ts),
 * and the answer is the whole reading's all the same: a reorder that only they show is still
 * "reordered, no effect", and where they could overlap another rule, or where the chain is listed
 * in a report (its rules changed), they are read. The last tests began as a review's probes.
 */
import type { DiffReport } from '../lib/diff/types';
import { normalizedPatch } from '../lib/report/markdown';
import { narrowHere } from '../lib/narrow/first-pass';
import { iptablesFirstPass } from '../lib/parse/iptables/narrow';
import { benchCluster } from './bench/generate';
import { writeRestorePayload } from './support/kube-proxy-writer';
import { answersDiffer, expectSameAnswer, report } from './support/narrowed-answer';
import { toSaveFormat } from './support/save-format';

const cluster = benchCluster(40, 3, 3);
const before = toSaveFormat(writeRestorePayload(cluster, { seed: 3 }));
const lines = before.split('\n');
const natStart = lines.indexOf('*nat');
const at = (prefix: string) => lines.flatMap((l, i) => (i > natStart && l.startsWith(prefix) ? [i] : []));
const dispatch = at('-A KUBE-SERVICES -d ');
const services = at('-A KUBE-SERVICES ');
const nodeports = at('-A KUBE-NODEPORTS ');
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

describe('a restore payload against its iptables-save (every rule written differently)', () => {
  const payload = writeRestorePayload(cluster, { seed: 3 });
  const dispatchOf = (text: string) => text.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES ') && l.includes('-j KUBE-SVC-'));

  test('the dispatch rules of services left unread are left out though written differently, and counted as the whole reading counts them', () => {
    const n = narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(before));
    expect(dispatchOf(n?.before.text ?? '')).toEqual([]);
    expect(dispatchOf(n?.after.text ?? '')).toEqual([]);
    const r = expectSameAnswer(payload, before);
    // Every rule of the payload is written otherwise than in its iptables-save: none left out goes uncounted.
    expect(r?.noise.formattingOnly).toBe(report(payload, before, false).noise.formattingOnly);
    expect(r?.noise.formattingOnly).toBeGreaterThan(dispatch.length);
  });

  test('their order digested by what they mean: two of them swapped is "reordered, no effect", as read whole', () => {
    const after = swapped(dispatch[1] as number, dispatch[2] as number, before);
    expect(narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(after))?.after.leftOut?.length).toBeGreaterThan(0);
    expect(noise(expectSameAnswer(payload, after))).toEqual(['KUBE-SERVICES']);
    expect(noise(expectSameAnswer(payload, before))).toEqual([]);
  });

  test('random swaps and respellings of the save’s dispatch rules (some written as the payload writes them), a service changed or not: the same answer, noise counts and rule diff', () => {
    const target = (l: string) => /-j (\S+)$/.exec(l)?.[1] as string;
    const asInPayload = new Map(dispatchOf(payload).map((l) => [target(l), l]));
    const found: string[] = [];
    let leftOutActive = 0;
    for (let seed = 1; seed <= 40; seed++) {
      let x = seed;
      const r = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const l = before.split('\n');
      for (const i of dispatch) if (r() < 0.4) l[i] = asInPayload.get(target(l[i] as string)) as string;
      for (let k = 0; k < 3; k++) {
        const [i, j] = [dispatch[Math.floor(r() * dispatch.length)] as number, dispatch[Math.floor(r() * dispatch.length)] as number];
        if (r() < 0.5) [l[i], l[j]] = [l[j] as string, l[i] as string];
      }
      // Half of them with a service changed: its dispatch rule is read, the others may be left out.
      const after = seed % 2 === 0 ? changedService(l.join('\n'), changed) : l.join('\n');
      if (answersDiffer(payload, after) || normalizedPatch(report(payload, after, true)) !== normalizedPatch(report(payload, after, false))) found.push(`seed ${seed}`);
      if ((narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(after))?.after.leftOut?.length ?? 0) > 0) leftOutActive++;
    }
    expect(leftOutActive).toBeGreaterThan(30);
    expect(found).toEqual([]);
  });

  test('a service changed: its dispatch rule, written differently, is read in both; the rest are left out (the rules read mean the same)', () => {
    const after = changedService(before, changed);
    const n = narrowHere(iptablesFirstPass, Buffer.from(payload), Buffer.from(after));
    expect(dispatchOf(n?.after.text ?? '')).toEqual([changed]);
    expect(dispatchOf(n?.before.text ?? '')).toHaveLength(1);
    expect(expectSameAnswer(payload, after)?.noise.formattingOnly).toBe(report(payload, after, false).noise.formattingOnly);
  });
});

type Edit = (l: string[]) => void;
const swap = (i: number, j: number): Edit => (l) => {
  [l[i], l[j]] = [l[j] as string, l[i] as string];
};
/** Inserts after line i (edits applied from the bottom so indices stay valid). */
const insertAfter = (i: number, ...extra: string[]): Edit => (l) => {
  l.splice(i + 1, 0, ...extra);
};
const edited = (text: string, ...edits: Edit[]): string => {
  const l = text.split('\n');
  for (const e of edits) e(l);
  return l.join('\n');
};

const masq = (spec: string) => `-A KUBE-SERVICES ${spec} -j KUBE-MARK-MASQ`;
const d = (k: number) => dispatch[k] as number;

/** The pair answers alike read narrowed or whole, Markdown's normalized rule diff included. */
const expectSameEverywhere = (b: string, a: string): void => {
  expect(answersDiffer(b, a)).toBe(false);
  expect(normalizedPatch(report(b, a, true))).toBe(normalizedPatch(report(b, a, false)));
};

describe('found by a review', () => {
  test('two read rules alike but for their comment swapped, and two unread dispatch rules swapped: the same noise counts', () => {
    const one = masq('-d 10.96.9.9/32 -p tcp -m comment --comment "one" -m tcp --dport 80');
    const two = masq('-d 10.96.9.9/32 -p tcp -m comment --comment "two" -m tcp --dport 80');
    const b = edited(before, insertAfter(d(10), one, two));
    const a = edited(before, insertAfter(d(10), two, one), swap(d(2), d(3)));
    expectSameEverywhere(b, a);
  });

  test('a rule added to KUBE-SERVICES: the chain is listed, so read whole (the same context and line numbers in the Markdown rule diff)', () => {
    const a = edited(before, insertAfter(d(10), masq('-d 10.96.9.9/32 -p tcp -m tcp --dport 80')));
    expect(leftOut(before, a)).toEqual([]);
    expectSameEverywhere(before, a);
  });
});

/** A deterministic pseudo-random sweep of edits around the rules that may be left out. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) / 2 ** 32;
  };
}

const POOL: [string, string[]][] = [
  ['twin address, other target', [masq('-d 10.96.0.12/32 -p tcp -m tcp --dport 80')]],
  ['no address tcp 80', [masq('-p tcp -m tcp --dport 80')]],
  ['no address tcp 80 with comment', [masq('-p tcp -m comment --comment "any" -m tcp --dport 80')]],
  ['other port same address', [masq('-d 10.96.0.12/32 -p tcp -m tcp --dport 81')]],
  ['udp same address and port', [masq('-d 10.96.0.12/32 -p udp -m udp --dport 80')]],
  ['sctp', [masq('-d 10.96.0.12/32 -p sctp -m sctp --dport 80')]],
  ['wildcard mid-chain', ['-A KUBE-SERVICES -m comment --comment "w" -j KUBE-MARK-MASQ']],
  ['range port', [masq('-d 10.96.0.12/32 -p tcp -m tcp --dport 80:90')]],
  ['/24 address', [masq('-d 10.96.0.0/24 -p tcp -m tcp --dport 80')]],
  ['comment with odd characters', [masq('-d 10.96.9.8/32 -p tcp -m comment --comment "a\'b;c -p x" -m tcp --dport 80')]],
  ['comment with -p inside, no protocol', ['-A KUBE-SERVICES -m comment --comment "x -p tcp" -j KUBE-MARK-MASQ']],
  ['pair differing in comment', [masq('-d 10.96.9.7/32 -p tcp -m comment --comment "p" -m tcp --dport 80'), masq('-d 10.96.9.7/32 -p tcp -m comment --comment "q" -m tcp --dport 80')]],
  ['nodeport udp shared', ['-A KUBE-NODEPORTS -p udp -m comment --comment "x" -m udp --dport 30003 -j KUBE-MARK-MASQ']],
  ['nodeport tcp shared', ['-A KUBE-NODEPORTS -p tcp -m comment --comment "x" -m tcp --dport 30003 -j KUBE-MARK-MASQ']],
  ['nodeport no protocol', ['-A KUBE-NODEPORTS -m comment --comment "np" -j KUBE-MARK-MASQ']],
];

interface Case {
  name: string;
  b: string;
  a: string;
}

function randomCase(seed: number): Case {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const names: string[] = [];
  const bEdits: Edit[] = [];
  const aEdits: Edit[] = [];
  const pool = r() < 0.5 ? services : nodeports;
  const domain = pool === services ? services : nodeports;
  // Insertions (applied first, bottom-up by construction: positions picked then sorted descending).
  const inserts: { side: 'b' | 'a' | 'both'; pos: number; what: [string, string[]] }[] = [];
  const nIns = Math.floor(r() * 3);
  for (let k = 0; k < nIns; k++) {
    const what = pick(POOL);
    const dom = what[1][0]?.startsWith('-A KUBE-NODEPORTS') ? nodeports : services;
    inserts.push({ side: pick(['b', 'a', 'both'] as const), pos: pick(dom.slice(0, -1)), what });
  }
  inserts.sort((x, y) => y.pos - x.pos);
  // Swaps: positions only within the original chain lines, applied after insertions via text search.
  const swaps: [string, string][] = [];
  const nSwaps = Math.floor(r() * 3);
  for (let k = 0; k < nSwaps; k++) swaps.push([lines[pick(domain)] as string, lines[pick(domain)] as string]);
  const changeWhich = r() < 0.6 ? (lines[pick(dispatch)] as string) : null;
  for (const ins of inserts) {
    names.push(`insert[${ins.side}] ${ins.what[0]} after line ${ins.pos}`);
    if (ins.side !== 'a') bEdits.push(insertAfter(ins.pos, ...ins.what[1]));
    if (ins.side !== 'b') aEdits.push(insertAfter(ins.pos, ...ins.what[1]));
  }
  const swapSide = r() < 0.8 ? 'a' : 'b';
  for (const [x, y] of swaps) {
    names.push(`swap[${swapSide}] ${x.slice(0, 40)}… <-> ${y.slice(0, 40)}…`);
    (swapSide === 'a' ? aEdits : bEdits).push((l) => {
      const i = l.indexOf(x);
      const j = l.indexOf(y);
      [l[i], l[j]] = [l[j] as string, l[i] as string];
    });
  }
  let a = edited(before, ...aEdits);
  if (changeWhich) {
    names.push(`changed ${changeWhich.slice(-30)}`);
    a = changedService(a, changeWhich);
  }
  return { name: names.join('; '), b: edited(before, ...bEdits), a };
}

test('random insertions, swaps and scale events around the rules that may be left out: the same answer and rule diff', () => {
  const found: string[] = [];
  let leftOutActive = 0;
  for (let seed = 1; seed <= 80; seed++) {
    const c = randomCase(seed);
    if (answersDiffer(c.b, c.a) || normalizedPatch(report(c.b, c.a, true)) !== normalizedPatch(report(c.b, c.a, false))) found.push(`seed ${seed}: ${c.name}`);
    if ((narrowHere(iptablesFirstPass, Buffer.from(c.b), Buffer.from(c.a))?.after.leftOut?.length ?? 0) > 0) leftOutActive++;
  }
  // The sweep exercises the step: most cases leave rules out.
  expect(leftOutActive).toBeGreaterThan(10);
  expect(found).toEqual([]);
});


describe('KUBE-SERVICES not ended with the jump to KUBE-NODEPORTS (the whole reading takes it for part of the chain, by its last rule and its ipset matches): the same answer', () => {
  const last = services[services.length - 1] as number;
  const partial = (b: string, a: string) => report(b, a, false).before.partial;

  test('its last line read as no rule', () => {
    const b = edited(before, (l) => {
      l[last] = '-A KUBE-SERVICES "-p" tcp -m tcp --dport 80 -j KUBE-MARK-MASQ';
    });
    expect(partial(b, b)).not.toBeNull();
    expectSameAnswer(b, b);
  });

  test('it ends with an unread service’s dispatch rule, a plain rule jumping to KUBE-NODEPORTS before it', () => {
    const b = edited(before, (l) => l.splice(last, 1), insertAfter(d(0) - 1, '-A KUBE-SERVICES -d 10.96.9.9/32 -p tcp -m tcp --dport 80 -j KUBE-NODEPORTS'));
    expect(partial(b, b)).not.toBeNull();
    expectSameAnswer(b, b);
  });

  test('it ends with another rule, and an unread service’s dispatch rule names an ipset match in its comment', () => {
    const b = edited(before, (l) => {
      l[last] = '-A KUBE-SERVICES -m comment --comment "masquerade" -j KUBE-MARK-MASQ';
      l[d(3)] = (l[d(3)] as string).replace('cluster IP"', 'cluster IP --match-set KUBE-CLUSTER-IP"');
    });
    expect(partial(b, b)).toBeNull();
    expectSameAnswer(b, b);
  });
});

test('the dispatch chains undeclared, KUBE-SERVICES made by an unread service’s dispatch rule: a read port is named from the chain the whole reading makes first', () => {
  const np = lines.find((l) => l.startsWith('-A KUBE-NODEPORTS ')) as string;
  const port = /-j KUBE-EXT-(\w+)$/.exec(np)?.[1] as string;
  const maker = lines.find((l) => l.startsWith('-A KUBE-SERVICES -d ') && !l.endsWith(port)) as string;
  // KUBE-SERVICES made by `maker`, before KUBE-NODEPORTS, whose rule names the port otherwise.
  const b = edited(before, (l) => {
    const undeclared = l.filter((x) => x !== ':KUBE-SERVICES - [0:0]' && x !== ':KUBE-NODEPORTS - [0:0]' && x !== maker).map((x) => (x === np ? x.replace(/--comment "[^"]+"/, '--comment "zz/other:http"') : x));
    undeclared.splice(undeclared.findIndex((x) => x.startsWith('-A KUBE-NODEPORTS ')), 0, maker);
    l.splice(0, l.length, ...undeclared);
  });
  const sep = new RegExp(`^-A KUBE-SVC-${port} .*-j (KUBE-SEP-\\w+)$`, 'm').exec(b)?.[1] as string;
  const a = b.replace(new RegExp(`^(-A ${sep} .*--to-destination [\\d.]+):8080$`, 'm'), '$1:9090');
  expect(report(b, a, false).services.find((s) => s.status === 'changed')?.name).not.toBe('zz/other:http');
  expectSameAnswer(b, a);
});
