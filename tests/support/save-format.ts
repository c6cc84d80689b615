/**
 * What `iptables-save` (v1.8.9, nf_tables) prints after loading a kube-proxy restore payload, for
 * the rule shapes kube-proxy writes: base options first, /32 host masks, quoted comments,
 * probabilities on the 31-bit grid, `recent` defaults, `--set-xmark`, REJECT's default reply,
 * built-in chains first and the others sorted, each chain's rules together. A test checks it line
 * by line against the real iptables-save; the benchmark uses it to make large dumps without
 * loading hundreds of thousands of rules into a kernel.
 */
import { normalizeCidr } from '../../lib/parse/iptables/address';
import { probabilityText, probabilityUnits } from '../../lib/parse/iptables/probability';
import { saveString, tokenize } from '../../lib/parse/iptables/tokenize';

const BUILTINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

function hex(v: string): string {
  return `0x${Number.parseInt(v, 16).toString(16)}`;
}

function address(v: string): string {
  return normalizeCidr(v) ?? v;
}

/** One restore-input rule line (`-A CHAIN …`) as iptables-save prints it. */
export function saveRule(line: string): string {
  const t = tokenize(line).values;
  const chain = t[1] as string;
  const base: Record<string, string> = {};
  const matches: string[][] = [];
  let target: string[] = [];
  let neg = false;
  for (let i = 2; i < t.length; i++) {
    const v = t[i] as string;
    if (v === '!') {
      neg = true;
      continue;
    }
    if (v === '-s' || v === '-d' || v === '-p' || v === '-i' || v === '-o') {
      const value = t[++i] as string;
      base[v] = `${neg ? '! ' : ''}${v} ${v === '-s' || v === '-d' ? address(value) : value}`;
    } else if (v === '-m') {
      matches.push([t[++i] as string]);
    } else if (v === '-j') {
      target = t.slice(i + 1);
      break;
    } else {
      const m = matches[matches.length - 1] as string[];
      m.push(`${neg ? '! ' : ''}${v}`);
      while (i + 1 < t.length && !(t[i + 1] as string).startsWith('-') && t[i + 1] !== '!') m.push(t[++i] as string);
    }
    neg = false;
  }
  const out = [`-A ${chain}`, ...['-s', '-d', '-i', '-o', '-p'].flatMap((k) => (base[k] ? [base[k] as string] : []))];
  for (const [mod, ...opts] of matches) out.push(`-m ${mod}`, ...saveMatch(mod as string, opts));
  if (target.length > 0) out.push(`-j ${target[0]}`, ...saveTarget(target[0] as string, target.slice(1)));
  return out.join(' ');
}

function saveMatch(mod: string, opts: string[]): string[] {
  switch (mod) {
    case 'comment':
      return ['--comment', saveString(opts[1] ?? '')];
    case 'statistic': {
      const p = opts[opts.indexOf('--probability') + 1] as string;
      return ['--mode', 'random', '--probability', probabilityText(probabilityUnits(p) as number)];
    }
    case 'recent': {
      const name = opts[opts.indexOf('--name') + 1] as string;
      if (opts.includes('--set')) return ['--set', '--name', name, '--mask', '255.255.255.255', '--rsource'];
      const seconds = opts[opts.indexOf('--seconds') + 1] as string;
      return ['--rcheck', '--seconds', seconds, '--reap', '--name', name, '--mask', '255.255.255.255', '--rsource'];
    }
    case 'mark':
      return opts.map((o) => (/^0x/.test(o) ? o.split('/').map(hex).join('/') : o));
    default:
      return opts;
  }
}

function saveTarget(target: string, opts: string[]): string[] {
  if (target === 'MARK' && opts[0] === '--or-mark') return ['--set-xmark', `${hex(opts[1] as string)}/${hex(opts[1] as string)}`];
  if (target === 'MARK' && opts[0] === '--xor-mark') return ['--set-xmark', `${hex(opts[1] as string)}/0x0`];
  if (target === 'REJECT' && opts.length === 0) return ['--reject-with', 'icmp-port-unreachable'];
  return opts;
}

/** A whole restore payload (no `-X`, full tables) as `iptables-save` prints the resulting tables. */
export function toSaveFormat(payload: string, generated = 'Mon Nov 23 05:11:22 2026'): string {
  const tables = new Map<string, { chains: Set<string>; rules: Map<string, string[]> }>();
  let current: { chains: Set<string>; rules: Map<string, string[]> } | null = null;
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1);
      current = { chains: new Set(BUILTINS[name] ?? []), rules: new Map() };
      tables.set(name, current);
    } else if (line.startsWith(':') && current) {
      current.chains.add(line.slice(1, line.indexOf(' ')));
    } else if (line.startsWith('-A ') && current) {
      const chain = line.split(' ', 2)[1] as string;
      current.chains.add(chain);
      const list = current.rules.get(chain) ?? [];
      list.push(saveRule(line));
      current.rules.set(chain, list);
    }
  }
  const out: string[] = [];
  for (const [name, t] of tables) {
    const builtins = (BUILTINS[name] ?? []).filter((c) => t.chains.has(c));
    const user = [...t.chains].filter((c) => !builtins.includes(c)).sort();
    out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${generated}`, `*${name}`);
    for (const c of builtins) out.push(`:${c} ACCEPT [0:0]`);
    for (const c of user) out.push(`:${c} - [0:0]`);
    for (const c of [...builtins, ...user]) out.push(...(t.rules.get(c) ?? []));
    out.push('COMMIT', `# Completed on ${generated}`);
  }
  return `${out.join('\n')}\n`;
}
