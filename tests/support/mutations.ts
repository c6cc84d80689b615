/**
 * Edits of a real dump's service rules (KUBE-SVC/SEP/SVL/EXT/FW/XLB chains), as an operator or a
 * broken controller would make them: ones that change where some traffic goes, and ones that only
 * respell a rule. Worked on the text, independently of natdiff's own reading of it, so a test can
 * hold natdiff's answer against what the edit is known to do.
 */

export interface DumpRule {
  /** Index of the line in the dump. */
  line: number;
  chain: string;
  /** Everything after `-A CHAIN `. */
  body: string;
  /** The rule can be reached: no earlier rule of its chain takes every packet and ends the chain's walk. */
  reachable: boolean;
}

const SERVICE_CHAIN = /^KUBE-(SVC|SEP|SVL|EXT|FW|XLB)-/;
const RULE_LINE = /^((?:\[\d+:\d+\] )?-A )(\S+) (.*?)(\r?)$/;
const COMMENT = /-m comment --comment (?:"(?:[^"\\]|\\.)*"|\S+) ?/g;
const FINAL_TARGET = /^(KUBE-(SEP|SVC|SVL|EXT|FW|XLB)-\S+|DNAT|DROP|REJECT|ACCEPT|RETURN)$/;

function lines(text: string): string[] {
  return text.split('\n');
}

/** The rule without its comment and counters: what it matches and where it jumps. */
function meaning(body: string): string {
  return body.replace(COMMENT, '').replace(/-c \d+ \d+ ?/g, '').trim();
}

/** Takes every packet that reaches it and ends its chain's walk. */
function takesAllAndEnds(body: string): boolean {
  const m = /^-[jg] (\S+)/.exec(meaning(body));
  return m !== null && FINAL_TARGET.test(m[1] as string);
}

/** The rules of kube-proxy's service and endpoint chains, in dump order. */
export function serviceRules(text: string): DumpRule[] {
  const rules: DumpRule[] = [];
  const ended = new Set<string>();
  lines(text).forEach((l, line) => {
    const m = RULE_LINE.exec(l);
    if (!m) return;
    const chain = m[2] as string;
    const body = m[3] as string;
    if (SERVICE_CHAIN.test(chain)) rules.push({ line, chain, body, reachable: !ended.has(chain) });
    if (takesAllAndEnds(body)) ended.add(chain);
  });
  return rules;
}

/** Every chain the dump declares or fills. */
export function chainNames(text: string): string[] {
  const names = new Set<string>();
  for (const l of lines(text)) {
    const m = /^(?::(\S+) |-N (\S+)|(?:\[\d+:\d+\] )?-A (\S+) )/.exec(l);
    const name = m?.[1] ?? m?.[2] ?? m?.[3];
    if (name) names.add(name);
  }
  return [...names];
}

function replaceLine(text: string, line: number, edit: (l: string) => string | null): string | null {
  const all = lines(text);
  const edited = edit(all[line] as string);
  if (edited === null || edited === all[line]) return null;
  all[line] = edited;
  return all.join('\n');
}

/** A mutation of one rule: the edited dump, or null when it does not apply to that rule. */
export type Mutation = (text: string, rule: DumpRule) => string | null;

/** Inserts `-A CHAIN [-m statistic … P] JUMP` before the rule (or after it: `after`). */
export function insertRule(jump: string, probability: string | null, after = false): Mutation {
  return (text, rule) => {
    const all = lines(text);
    const chance = probability === null ? '' : `-m statistic --mode random --probability ${probability} `;
    all.splice(after ? rule.line + 1 : rule.line, 0, `-A ${rule.chain} ${chance}${jump}`);
    return all.join('\n');
  };
}

/**
 * The rule deleted. Not the only rule of its chain: a chain left without rules is what a dump cut
 * short or a partial paste looks like, which natdiff refuses or does not compare (and says so).
 */
export const deleteRule: Mutation = (text, rule) => {
  if (serviceRules(text).filter((r) => r.chain === rule.chain).length === 1) return null;
  const all = lines(text);
  all.splice(rule.line, 1);
  return all.join('\n');
};

const GRID = 2 ** 31;
const units = (p: string): number => Math.round(Number(p) * GRID);

/** Another probability for a rule that has one (on iptables' grid, so a real change). */
export function changeProbability(to: string): Mutation {
  return (text, rule) =>
    replaceLine(text, rule.line, (l) => {
      const m = /--probability (\S+)/.exec(l);
      return m && units(m[1] as string) !== units(to) ? l.replace(m[0], `--probability ${to}`) : null;
    });
}

/** The DNAT destination's port, plus one. */
export const changeDnat: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => l.replace(/--to-destination (\S+):(\d+)/, (_, host: string, port: string) => `--to-destination ${host}:${Number(port) + 1}`));

/** The jump goes to another chain the dump has. */
export function retarget(pick: number): Mutation {
  return (text, rule) => {
    const current = /-[jg] (\S+)/.exec(rule.body)?.[1];
    const others = chainNames(text).filter((c) => c !== current && c !== rule.chain && SERVICE_CHAIN.test(c));
    if (!current || others.length === 0) return null;
    const to = others[pick % others.length] as string;
    return replaceLine(text, rule.line, (l) => l.replace(/(-[jg]) \S+/, `$1 ${to}`));
  };
}

/**
 * The first match that can be negated, negated: an address, a port, an address type, a
 * probability other than ½ (whose complement is itself).
 */
export const negateMatch: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => {
    const m = /(?<!! )(-[sd]|--dport|--src-type|--dst-type) \S+/.exec(l);
    if (m) return l.replace(m[0], `! ${m[0]}`);
    const p = /(?<!! )--probability (\S+)/.exec(l);
    return p && units(p[1] as string) !== GRID / 2 ? l.replace(p[0], `! ${p[0]}`) : null;
  });

/** The destination port, plus one. */
export const changePort: Mutation = (text, rule) => replaceLine(text, rule.line, (l) => l.replace(/--dport (\d+)/, (_, p: string) => `--dport ${Number(p) + 1}`));

/** tcp ↔ udp (with the port match that goes with it). */
export const changeProtocol: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => {
    const m = /-p (tcp|udp)\b/.exec(l);
    if (!m) return null;
    const to = m[1] === 'tcp' ? 'udp' : 'tcp';
    return l.replace(/-p (tcp|udp)\b/, `-p ${to}`).replace(/-m (tcp|udp)\b/, `-m ${to}`);
  });

/** Edits that change where some traffic goes, by name. */
export const SEMANTIC: Record<string, Mutation> = {
  'insert 10% DROP before': insertRule('-j DROP', '0.1'),
  'insert REJECT before': insertRule('-j REJECT', null),
  'insert 50% RETURN after': insertRule('-j RETURN', '0.5', true),
  'insert ACCEPT before': insertRule('-j ACCEPT', null),
  'insert 30% MARK before': insertRule('-j MARK --set-xmark 0x8000/0x8000', '0.3'),
  'insert 20% KUBE-MARK-DROP before': insertRule('-j KUBE-MARK-DROP', '0.2'),
  'insert a jump to KUBE-MARK-MASQ before': insertRule('-j KUBE-MARK-MASQ', '0.7'),
  'delete': deleteRule,
  'probability → 0.2': changeProbability('0.2'),
  'probability → 0.9': changeProbability('0.9'),
  'DNAT port + 1': changeDnat,
  'jump elsewhere': retarget(0),
  'negate a match': negateMatch,
  'port + 1': changePort,
  'tcp ↔ udp': changeProtocol,
};

/** Jumps an operator (or a broken controller) puts in a service chain. */
export const FOREIGN_JUMPS = ['-j DROP', '-j REJECT', '-j RETURN', '-j ACCEPT', '-j MARK --set-xmark 0x8000/0x8000', '-j KUBE-MARK-DROP', '-j KUBE-MARK-MASQ', '-g KUBE-MARK-MASQ', '-j KUBE-SERVICES'];

/** Probability edits change where traffic goes only in a rule that can be reached. */
export const NEEDS_REACHABLE = new Set(['probability → 0.2', 'probability → 0.9', 'negate a match']);

/** The comment moved to the end of the matches, `-s` and `-d` swapped: iptables matches them all the same. */
export const reorderMatches: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => {
    const comment = /-m comment --comment (?:"(?:[^"\\]|\\.)*"|\S+) /.exec(l);
    const moved = comment ? l.replace(comment[0], '').replace(/ (-[jg] )/, ` ${comment[0]}$1`) : l;
    return moved.replace(/(^|\s)((?:! )?-s \S+) ((?:! )?-d \S+)/, '$1$3 $2');
  });

/** The probability written with other digits for the same point of iptables' grid. */
export const respellProbability: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => {
    const m = /--probability (\S+)/.exec(l);
    if (!m) return null;
    const u = units(m[1] as string);
    const spelled = [(u / GRID).toPrecision(12), (u / GRID).toFixed(10), String(u / GRID)].find((s) => s !== m[1] && units(s) === u);
    return spelled ? l.replace(m[0], `--probability ${spelled}`) : null;
  });

/** A comment on a rule that has none (comments are not meaning). */
export const addComment: Mutation = (text, rule) =>
  replaceLine(text, rule.line, (l) => (l.includes('-m comment') ? null : l.replace(`-A ${rule.chain} `, `-A ${rule.chain} -m comment --comment "natdiff control" `)));

/** Edits that change nothing a packet sees. */
export const CONTROL: Record<string, Mutation> = {
  'reorder matches': reorderMatches,
  'respell the probability': respellProbability,
  'add a comment': addComment,
};
