/**
 * Random edits of kube-proxy dumps (generated, and real ones from the corpus), deterministic for a
 * seed: one side edited, the other, both alike, or both otherwise. For holding a reading of two
 * dumps to another reading of them (tests/narrowed-reading-edits.test.ts). The pairs are of one
 * writer (iptables-save), or of two (kube-proxy's restore payload against an iptables-save: no line
 * written alike, WRITTEN_DIFFERENTLY).
 */
import { mulberry32, writeRestorePayload, type ClusterSpec } from './kube-proxy-writer';
import { toSaveFormat } from './save-format';
import { bundled, fixture } from './snapshots';

/** Services of every shape the writer makes: ports of two protocols, node ports, affinity, Local traffic policy with and without local endpoints, no endpoints, external and load-balancer IPs. */
const cluster: ClusterSpec = {
  podCIDR: '10.244.0.0/16',
  services: [
    { namespace: 'shop', name: 'web', clusterIP: '10.96.0.10', affinitySeconds: 600, ports: [
      { name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: '10.244.1.2', port: 8080 }, { ip: '10.244.2.3', port: 8080 }] },
      { name: 'dns', port: 53, protocol: 'udp', endpoints: [{ ip: '10.244.1.2', port: 5353 }] },
    ] },
    { namespace: 'shop', name: 'local', clusterIP: '10.96.0.11', externalTrafficPolicy: 'Local', loadBalancerIPs: ['203.0.113.9'], ports: [
      { name: '', port: 443, protocol: 'tcp', nodePort: 30443, endpoints: [{ ip: '10.244.1.5', port: 8443, local: true }, { ip: '10.244.2.5', port: 8443 }] },
    ] },
    { namespace: 'shop', name: 'nolocal', clusterIP: '10.96.0.12', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.7'], ports: [
      { name: 'p', port: 8000, protocol: 'tcp', nodePort: 30800, endpoints: [{ ip: '10.244.2.6', port: 8000 }] },
    ] },
    { namespace: 'shop', name: 'empty', clusterIP: '10.96.0.13', externalIPs: ['192.0.2.8'], ports: [
      { name: 'p', port: 9000, protocol: 'tcp', nodePort: 30900, endpoints: [] },
    ] },
    { namespace: 'kube-system', name: 'dns', clusterIP: '10.96.0.14', ports: [
      { name: 'dns', port: 53, protocol: 'udp', endpoints: [{ ip: '10.244.3.2', port: 53 }, { ip: '10.244.3.3', port: 53 }] },
      { name: 'dns-tcp', port: 53, protocol: 'tcp', endpoints: [{ ip: '10.244.3.2', port: 53 }, { ip: '10.244.3.3', port: 53 }] },
    ] },
  ],
};
/** One port of shop/web scaled up: a pair with a changed service, whose other port is unchanged. */
const scaled: ClusterSpec = { ...cluster, services: cluster.services.map((s) => (s.name === 'web' ? { ...s, ports: [s.ports[0]!, { ...s.ports[1]!, endpoints: [...s.ports[1]!.endpoints, { ip: '10.244.9.9', port: 5353 }] }] } : s)) };

const gen = (c: ClusterSpec, seed: number) => toSaveFormat(writeRestorePayload(c, { seed }));

/** A cluster of IPv6 services (ip6tables: `/128` hosts, bracketed endpoints). */
const v6: ClusterSpec = {
  podCIDR: 'fd00:10::/64',
  services: [
    { namespace: 'ns', name: 'a', clusterIP: 'fd00:96::10', affinitySeconds: 600, ports: [{ name: 'http', port: 80, protocol: 'tcp', nodePort: 30080, endpoints: [{ ip: 'fd00:10::2', port: 8080 }, { ip: 'fd00:10::3', port: 8080 }] }] },
    { namespace: 'ns', name: 'b', clusterIP: 'fd00:96::11', externalTrafficPolicy: 'Local', ports: [{ name: '', port: 53, protocol: 'udp', nodePort: 30053, endpoints: [{ ip: 'fd00:10::5', port: 53, local: true }, { ip: 'fd00:10::6', port: 53 }] }] },
    { namespace: 'ns', name: 'c', clusterIP: 'fd00:96::12', ports: [{ name: 'x', port: 81, protocol: 'tcp', endpoints: [{ ip: 'fd00:10::7', port: 81 }, { ip: 'fd00:10::8', port: 81 }, { ip: 'fd00:10::9', port: 81 }] }] },
  ],
};
const v6Scaled: ClusterSpec = { ...v6, services: v6.services.map((s) => (s.name === 'c' ? { ...s, ports: s.ports.map((p) => ({ ...p, endpoints: p.endpoints.slice(1) })) } : s)) };
const v6gen = (c: ClusterSpec, seed: number) => gen(c, seed).replace(/iptables-save/g, 'ip6tables-save');

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function names(text: string, re: RegExp): string[] {
  return [...new Set([...text.matchAll(re)].map((m) => m[1] as string))];
}

/** An edit of a dump (its lines, and its text), drawn with `r`. */
type Mutation = (lines: string[], r: Rand, text: string) => string;

const ruleLines = (lines: string[]) => lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('-A '));
const declarations = (lines: string[]) => lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith(':'));
const at = (lines: string[], i: number, l: string) => lines.map((x, k) => (k === i ? l : x));
const insertAfter = (lines: string[], i: number, ...ls: string[]) => [...lines.slice(0, i + 1), ...ls, ...lines.slice(i + 1)];

function natRuleIndex(lines: string[], r: Rand): number {
  const nat = lines.indexOf('*nat');
  const rules = ruleLines(lines).filter(([, i]) => i > nat);
  return rules.length ? pick(r, rules)[1] : lines.indexOf('COMMIT', nat) - 1;
}
function declIndex(lines: string[], table: string): number {
  const t = lines.indexOf(`*${table}`);
  let i = t + 1;
  while (lines[i]?.startsWith(':')) i++;
  return i - 1;
}

/** Edits of one rule line: respelled as iptables-save never writes it, or meaning something else. */
const edits: [string, (l: string, r: Rand, text: string) => string][] = [
  ['digit', (l, r) => { const ds = [...l.matchAll(/\d/g)]; if (!ds.length) return l; const m = pick(r, ds); return l.slice(0, m.index) + String((Number(m[0]) + 1) % 10) + l.slice(m.index! + 1); }],
  ['trailing space', (l) => `${l} `],
  ['--jump', (l) => l.replace(/ -j (?!.* -j )/, ' --jump ')],
  ['--goto', (l) => l.replace(/ -j (?!.* -j )/, ' --goto ')],
  ['-g', (l) => l.replace(/ -j (?!.* -j )/, ' -g ')],
  ['tab', (l, r) => { const sp = [...l.matchAll(/ /g)]; if (!sp.length) return l; const m = pick(r, sp); return l.slice(0, m.index) + '\t' + l.slice(m.index! + 1); }],
  ['double space', (l, r) => { const sp = [...l.matchAll(/ /g)]; if (!sp.length) return l; const m = pick(r, sp); return l.slice(0, m.index) + '  ' + l.slice(m.index! + 1); }],
  ['quoted target', (l) => l.replace(/ -j (\S+)$/, ' -j "$1"')],
  ['other spn', (l, r, text) => l.replace(/--comment "?([a-z-]+\/[a-z-]+(?::[a-z-]+)?)/, (_m, _s) => `--comment "${pick(r, names(text, /--comment "?([a-z-]+\/[a-z-]+(?::[a-z-]+)?)/g))}`)],
  ['comment with jump', (l, r, text) => l.replace(/ -j /, ` -m comment --comment "x -j ${pick(r, names(text, /(KUBE-(?:SVC|SEP|EXT|SVL)-\w+)/g))}" -j `)],
  ['comment after target', (l, r, text) => `${l} -m comment --comment "y -j ${pick(r, names(text, /(KUBE-(?:SVC|SEP|EXT|SVL)-\w+)/g))}"`],
  ['uppercase protocol', (l) => l.replace(/-p (tcp|udp)/, (_m, p: string) => `-p ${p.toUpperCase()}`)],
  ['--protocol', (l) => l.replace(/ -p /, ' --protocol ')],
  ['non-ascii comment', (l) => l.replace(/--comment "/, '--comment "é✓ ')],
  ['escaped quote comment', (l) => l.replace(/--comment "/, '--comment "a\\"b ')],
  ['CR', (l) => `${l}\r`],
  ['retarget to other port', (l, r, text) => l.replace(/-j KUBE-(SVC|SEP|EXT|SVL)-\w+$/, () => `-j ${pick(r, names(text, /(KUBE-(?:SVC|SEP|EXT|SVL)-\w+)/g))}`)],
  ['negated protocol', (l) => l.replace(/ -p /, ' ! -p ')],
  ['second comment', (l, r, text) => l.replace(/ -j /, ` -m comment --comment "${pick(r, names(text, /--comment "?([a-z-]+\/[a-z-]+(?::[a-z-]+)?)/g))} has no endpoints" -j `)],
  ['drop comment', (l) => l.replace(/-m comment --comment (?:"[^"]*"|\S+) /, '')],
  ...respellings().map(([name, e]): [string, (l: string) => string] => [`respelled: ${name}`, e]),
];

/**
 * Rules written otherwise as iptables-save or kube-proxy might (the same meaning: the first pass
 * of two dumps written differently compares such lines by what they mean), and a few that look
 * like such a respelling but mean something else (a probability of five digits, as old kube-proxy
 * wrote it; a port range).
 */
function respellings(): [string, (l: string) => string][] {
  const onGrid = (p: string) => (Math.round(Number(p) * 2 ** 31) / 2 ** 31).toFixed(11);
  return [
    ['host without /32', (l) => l.replace(/(-[sd] [\d.]+)\/32\b/, '$1')],
    ['host with /32', (l) => l.replace(/(-[sd] \d+\.\d+\.\d+\.\d+)(?= )/, '$1/32')],
    ['protocol number', (l) => l.replace(/-p tcp\b/, '-p 6').replace(/-p udp\b/, '-p 17')],
    ['uppercase module', (l) => l.replace(/-m (tcp|udp)\b/, (_m, p: string) => `-m ${p.toUpperCase()}`)],
    ['--destination-port', (l) => l.replace(/--dport /, '--destination-port ')],
    ['port range of one', (l) => l.replace(/--dport (\d+)/, '--dport $1:$1')],
    ['port range', (l) => l.replace(/--dport (\d+)/, '--dport $1:65535')],
    ['probability on the grid', (l) => l.replace(/--probability (0\.\d+)/, (_m, p: string) => `--probability ${onGrid(p)}`)],
    ['probability of ten digits', (l) => l.replace(/--probability (0\.\d+)/, (_m, p: string) => `--probability ${Number(p).toFixed(10)}`)],
    ['probability of five digits', (l) => l.replace(/--probability (0\.\d+)/, (_m, p: string) => `--probability ${Number(p).toFixed(5)}`)],
    ['probability before mode', (l) => l.replace(/--mode random --probability (\S+)/, '--probability $1 --mode random')],
    ['--to', (l) => l.replace(/--to-destination /, '--to ')],
    ['comment unquoted', (l) => l.replace(/--comment "([^" \\]*)"/, '--comment $1')],
    ['comment last', (l) => l.replace(/ -m comment --comment ("[^"]*"|\S+)(.*?)( -j .*)$/, '$2 -m comment --comment $1$3')],
    ['-d after -p', (l) => l.replace(/(-d \S+) (-p \S+)/, '$2 $1')],
    ['module before protocol', (l) => l.replace(/(-p (tcp|udp))(.*) -m \2\b/, '-m $2 $1$3')],
    ['recent defaults dropped', (l) => l.replace(/ --mask 255\.255\.255\.255 --rsource/, '')],
    ['--set-xmark as --or-mark', (l) => l.replace(/--set-xmark (0x\w+)\/\1/, '--or-mark $1')],
    ['MASQUERADE without --random-fully', (l) => l.replace(/-j MASQUERADE --random-fully/, '-j MASQUERADE')],
  ];
}

/** Edits of a dump: lines removed, duplicated, moved, edited, added; chains emptied, removed, renamed. */
const mutations: [string, Mutation][] = [
  ['delete', (ls, r) => { const i = Math.floor(r() * ls.length); return ls.filter((_, k) => k !== i).join('\n'); }],
  ['delete rule', (ls, r) => { const [, i] = pick(r, ruleLines(ls)); return ls.filter((_, k) => k !== i).join('\n'); }],
  ['duplicate rule', (ls, r) => { const [l, i] = pick(r, ruleLines(ls)); return insertAfter(ls, i, l).join('\n'); }],
  ['move rule', (ls, r) => { const [l, i] = pick(r, ruleLines(ls)); const rest = ls.filter((_, k) => k !== i); const j = natRuleIndex(rest, r); return insertAfter(rest, j, l).join('\n'); }],
  ['move rule in chain', (ls, r) => { const [l, i] = pick(r, ruleLines(ls)); const chain = l.split(' ')[1]; const rest = ls.filter((_, k) => k !== i); const same = ruleLines(rest).filter(([x]) => x.split(' ')[1] === chain); if (!same.length) return ls.join('\n'); const [, j] = pick(r, same); return insertAfter(rest, r() < 0.5 ? j : j - 1, l).join('\n'); }],
  ...edits.map(([name, e]): [string, Mutation] => [`edit: ${name}`, (ls, r, text) => { const [l, i] = pick(r, ruleLines(ls)); return at(ls, i, e(l, r, text)).join('\n'); }]),
  ['custom chain from port', (ls, r, text) => {
    const svc = pick(r, names(text, /^-A (KUBE-(?:SVC|SVL)-\w+) /gm));
    const i = ls.findIndex((l) => l.startsWith(`-A ${svc} `));
    const withRule = insertAfter(ls, i, `-A ${svc} -m statistic --mode random --probability 0.1 -j MY-CHAIN`);
    const d = declIndex(withRule, 'nat');
    const c = withRule.indexOf('COMMIT', d);
    return insertAfter(insertAfter(withRule, c - 1, `-A MY-CHAIN -p tcp -j DNAT --to-destination 10.9.9.${Math.floor(r() * 3)}:80`), d, ':MY-CHAIN - [0:0]').join('\n');
  }],
  ['custom chain into port', (ls, r, text) => {
    const svc = pick(r, names(text, /^-A (KUBE-(?:SVC|SVL|EXT|SEP)-\w+) /gm));
    const d = declIndex(ls, 'nat');
    const c = ls.indexOf('COMMIT', d);
    return insertAfter(insertAfter(ls, c - 1, `-A MY-CHAIN -j ${svc}`), d, ':MY-CHAIN - [0:0]').join('\n');
  }],
  ['prerouting to port', (ls, r, text) => { const svc = pick(r, names(text, /^-A (KUBE-(?:SVC|SVL|EXT|SEP)-\w+) /gm)); const i = natRuleIndex(ls, r); return insertAfter(ls, i, `-A PREROUTING -d 10.1.1.${Math.floor(r() * 3)}/32 -j ${svc}`).join('\n'); }],
  ['dispatch to sep', (ls, r, text) => { const sep = pick(r, names(text, /^-A (KUBE-SEP-\w+) /gm)); const i = ls.findIndex((l) => l.startsWith('-A KUBE-SERVICES ')); return insertAfter(ls, i, `-A KUBE-SERVICES -d 10.1.1.1/32 -p tcp -m tcp --dport 1 -j ${sep}`).join('\n'); }],
  ['no endpoints rule', (ls, r, text) => {
    const spn = pick(r, names(text, /--comment "?([a-z-]+\/[a-z-]+(?::[a-z-]+)?)/g));
    const f = ls.findIndex((l) => l === '*filter');
    const i = ls.indexOf('COMMIT', f) - 1;
    const what = pick(r, ['has no endpoints', 'has no local endpoints']);
    const target = pick(r, ['REJECT', 'DROP', 'ACCEPT', 'LOG']);
    const proto = pick(r, ['tcp', 'udp', 'icmp', 'TCP']);
    return insertAfter(ls, i, `-A KUBE-EXTERNAL-SERVICES -d 10.96.0.${Math.floor(r() * 20)}/32 -p ${proto} -m comment --comment "${spn} ${what}" -m ${proto} --dport 80 -j ${target}`).join('\n');
  }],
  ['stale svc chain', (ls, r) => { const d = declIndex(ls, 'nat'); return insertAfter(ls, d, pick(r, [':KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]', ':KUBE-SEP-AAAAAAAAAAAAAAAA - [0:0]', ':KUBE-EXT-AAAAAAAAAAAAAAAA - [0:0]'])).join('\n'); }],
  ['shared sep', (ls, r, text) => {
    const svc = pick(r, names(text, /^-A (KUBE-SVC-\w+) /gm));
    const sep = pick(r, names(text, /^-A (KUBE-SEP-\w+) /gm));
    const i = ls.findIndex((l) => l.startsWith(`-A ${svc} `));
    return insertAfter(ls, i, `-A ${svc} -m statistic --mode random --probability 0.2 -j ${sep}`).join('\n');
  }],
  ['same chain in filter', (ls, r, text) => {
    const svc = pick(r, names(text, /^-A (KUBE-(?:SVC|SEP)-\w+) /gm));
    const d = declIndex(ls, 'filter');
    const c = ls.indexOf('COMMIT', d);
    return insertAfter(insertAfter(ls, c - 1, `-A ${svc} -j ACCEPT`), d, `:${svc} - [0:0]`).join('\n');
  }],
  ['empty a chain', (ls, r, text) => { const c = pick(r, names(text, /^-A (KUBE-(?:SVC|SEP|SVL|EXT)-\w+) /gm)); return ls.filter((l) => !l.startsWith(`-A ${c} `)).join('\n'); }],
  ['remove chain', (ls, r, text) => { const c = pick(r, names(text, /^-A (KUBE-(?:SVC|SEP|SVL|EXT)-\w+) /gm)); return ls.filter((l) => !l.startsWith(`-A ${c} `) && !l.startsWith(`:${c} `)).join('\n'); }],
  ['redact sep', (ls, r, text) => { const sep = pick(r, names(text, /^-A (KUBE-SEP-\w+) /gm)); return ls.join('\n').split(sep).join('KUBE-SEP-REDACTED1'); }],
  ['respell a chain', (ls, r, text) => { const c = pick(r, names(text, /^-A (KUBE-(?:SVC|SEP|SVL|EXT|SERVICES|NODEPORTS)\S*) /gm)); const [, e] = pick(r, respellings()); return ls.map((l) => (l.startsWith(`-A ${c} `) ? e(l) : l)).join('\n'); }],
  ['swap two rules of a chain and respell them', (ls, r) => {
    const [l, i] = pick(r, ruleLines(ls));
    const same = ruleLines(ls).filter(([x, j]) => j !== i && x.split(' ')[1] === l.split(' ')[1]);
    if (!same.length) return ls.join('\n');
    const [m, j] = pick(r, same);
    const [, e] = pick(r, respellings());
    return at(at(ls, i, e(m)), j, e(l)).join('\n');
  }],
  ['a chain\'s rules split by another chain\'s', (ls, r) => {
    const [l, i] = pick(r, ruleLines(ls));
    const rest = ls.filter((_, k) => k !== i);
    const later = ruleLines(rest).filter(([x, j]) => j >= i && x.split(' ')[1] !== l.split(' ')[1]);
    return later.length ? insertAfter(rest, pick(r, later)[1], l).join('\n') : ls.join('\n');
  }],
  ['declarations swapped', (ls, r) => { const ds = declarations(ls); if (!ds.length) return ls.join('\n'); const [d, i] = pick(r, ds); const [e, j] = pick(r, ds); return at(at(ls, i, e), j, d).join('\n'); }],
  ['declared twice', (ls, r) => { const ds = declarations(ls); if (!ds.length) return ls.join('\n'); const [d, i] = pick(r, ds); return insertAfter(ls, i, d.replace(/ \S+ /, pick(r, [' - ', ' ACCEPT ', ' DROP ']))).join('\n'); }],
  ['declaration counters', (ls, r) => { const ds = declarations(ls); if (!ds.length) return ls.join('\n'); const [d, i] = pick(r, ds); return at(ls, i, d.replace(/\[\d+:\d+\]/, '[5:300]')).join('\n'); }],
];

/** Edits of every line: what another tool or an editor makes of a dump. */
const wholeFile: [string, (t: string) => string][] = [
  ['crlf', (t) => t.replace(/\n/g, '\r\n')],
  ['bom', (t) => `\uFEFF${t}`],
  ['trailing spaces', (t) => t.replace(/\n/g, ' \n')],
];

/** The dump with one edit, named in `log` (with the side it is on). */
function mutate(text: string, r: Rand, log: string[], side: string): string {
  if (r() < 0.05) {
    const [name, edit] = pick(r, wholeFile);
    log.push(`${side}: ${name}`);
    return edit(text);
  }
  const [name, edit] = pick(r, mutations);
  log.push(`${side}: ${name}`);
  return edit(text.split('\n'), r, text);
}

/** Pairs to edit: a scale event, a respelled dump, and real dumps against themselves. */
const bases: [string, string, string][] = [
  ['generated', gen(cluster, 1), gen(scaled, 2)],
  ['generated same', gen(cluster, 1), gen(cluster, 3)],
  ['corpus 09', fixture('corpus', '09-k8s-1.6era-docker-externalip-physdev-affinity.txt'), fixture('corpus', '09-k8s-1.6era-docker-externalip-physdev-affinity.txt')],
  ['corpus 24', fixture('corpus', '24-kubeadm-2018-weave-docker-iptables-save.txt'), fixture('corpus', '24-kubeadm-2018-weave-docker-iptables-save.txt')],
  ['corpus 16', fixture('corpus', '16-cilium-ipvs-leftover-garbled-dnat.txt'), fixture('corpus', '16-cilium-ipvs-leftover-garbled-dnat.txt')],
  ['coredns', bundled('coredns-scale-2to4-before.txt'), bundled('coredns-scale-2to4-after.txt')],
];

/** Pairs written by two tools: kube-proxy's restore payload against the iptables-save of a state, the same or scaled, either way round. */
export const WRITTEN_DIFFERENTLY: [string, string, string][] = [
  ['payload, save', writeRestorePayload(cluster, { seed: 1 }), gen(cluster, 2)],
  ['payload, save scaled', writeRestorePayload(cluster, { seed: 3 }), gen(scaled, 4)],
  ['save, payload', gen(cluster, 5), writeRestorePayload(cluster, { seed: 6 })],
  ['save, payload scaled', gen(cluster, 7), writeRestorePayload(scaled, { seed: 8 })],
  ['IPv6 payload, save scaled', writeRestorePayload(v6, { seed: 1 }), v6gen(v6Scaled, 2)],
  ['IPv6 save, payload', v6gen(v6, 3), writeRestorePayload(v6, { seed: 4 })],
];

export interface EditedPair {
  seed: number;
  /** The pair edited, and how. */
  base: string;
  edits: string[];
  before: string;
  after: string;
}

/** A pair of dumps (one of `from`) edited as `seed` draws it. */
export function editedPair(seed: number, from = bases): EditedPair {
  const r = mulberry32(seed);
  const [base, b0, a0] = from[seed % from.length] as [string, string, string];
  const edits: string[] = [];
  const side = pick(r, ['before', 'after', 'both alike', 'both'] as const);
  if (side === 'before') return { seed, base, edits, before: mutate(b0, r, edits, 'before'), after: a0 };
  if (side === 'after') return { seed, base, edits, before: b0, after: mutate(a0, r, edits, 'after') };
  if (side === 'both') return { seed, base, edits, before: mutate(b0, r, edits, 'before'), after: mutate(a0, r, edits, 'after') };
  const same = Math.floor(r() * 2 ** 32);
  return { seed, base, edits, before: mutate(b0, mulberry32(same), edits, 'before'), after: mutate(a0, mulberry32(same), edits, 'after') };
}
