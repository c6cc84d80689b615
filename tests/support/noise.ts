/**
 * Dumps rewritten the ways iptables-save, a copy-paste or another kube-proxy sync write the same
 * rules: for tests that check noise never changes the answer.
 */
/** Rewrites that iptables-save, a copy-paste or another kube-proxy sync make without changing meaning. */
const REWRITES: ((line: string) => string)[] = [
  (l) => l.replace(/--comment ([^"\s]+)/, '--comment "$1"'),
  (l) => l.replace(/ -([sd]) (\d+\.\d+\.\d+\.\d+)( |$)/g, ' -$1 $2/32$3'),
  (l) => l.replace(/--probability (0\.\d{10})\b/, (_, p: string) => `--probability ${(Math.round(Number(p) * 2 ** 31) / 2 ** 31).toFixed(11)}`),
  (l) => l.replace('--or-mark 0x00004000', '--set-xmark 0x4000/0x4000').replace('--xor-mark 0x00004000', '--set-xmark 0x4000/0x0'),
  (l) => l.replace(/ -m (tcp|udp) -p (tcp|udp)/, ' -p $2 -m $1'),
  (l) => l.replace(/^(-A \S+) (-m comment --comment (?:"[^"]*"|[^"\s]+)) (.+?)( -j .*)$/, '$1 $3 $2$4'),
  (l) => l.replace(/ -j REJECT$/, ' -j REJECT --reject-with icmp-port-unreachable'),
  (l) => l.replace(/--name (\S+) --set/, '--set --name $1 --mask 255.255.255.255 --rsource'),
  (l) => (l.startsWith('-A ') ? `[${l.length}:${l.length * 60}] ${l}` : l),
  (l) => `${l.replace(/ -/g, '  -')} \t`,
];

/** `picks[i % n]` chooses, bit by bit, the rewrites of line i; `shuffleKey` reorders declarations and chains. */
export function noisy(text: string, picks: number[], shuffleKey: number): string {
  const lines = text.split('\n').map((l, i) => {
    const pick = picks[i % picks.length] as number;
    return REWRITES.reduce((acc, rewrite, r) => ((pick >> r) & 1 ? rewrite(acc) : acc), l);
  });
  // Group each table's rules by chain, as iptables-save does, in an arbitrary chain order.
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    const decl = block.filter((l) => l.startsWith(':')).sort((a, b) => ((a.length * shuffleKey) % 7) - ((b.length * shuffleKey) % 7));
    const rules = block.filter((l) => !l.startsWith(':'));
    const chainOf = (l: string) => /-A (\S+)/.exec(l)?.[1] ?? '';
    const chains = [...new Set(rules.map(chainOf))].sort();
    out.push(...decl, ...chains.flatMap((c) => rules.filter((l) => chainOf(l) === c)));
    block = [];
  };
  for (const l of lines) {
    if (l.startsWith('*') || l.trim() === 'COMMIT') {
      flush();
      out.push(l);
    } else if (l.trim() !== '') {
      block.push(l);
    }
  }
  flush();
  const eol = shuffleKey % 2 ? '\r\n' : '\n';
  return `${out.join(eol)}${eol}`;
}
