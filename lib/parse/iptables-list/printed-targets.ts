/**
 * Target options as `iptables -L -n` prints them after the matches, read back into the options
 * iptables-save would write (extensions/libxt_NAT.c, libxt_MARK.c, libipt_REJECT.c): `to:10.244.0.5:53`,
 * `masq ports: 1024-65535 random-fully`, `MARK or 0x4000`, `reject-with icmp-port-unreachable`.
 * Chains and the standard verdicts print nothing.
 */
import { BUILTIN_TARGETS } from '../iptables/targets';
import type { Cursor } from './printed-text';
import { option, type SpecWords } from './spec';

/** Reads a target's printed text to the end of the line; null when it is not all that target's text. */
type TargetReader = (c: Cursor) => SpecWords | null;

const NAT_FLAGS = new Set(['random', 'random-fully', 'persistent']);
const PORT_RANGE = /^\d+(?:-\d+)?$/;
const MARK_OPERATIONS: ReadonlyMap<string, string> = new Map([['and', '--and-mark'], ['or', '--or-mark'], ['xor', '--xor-mark'], ['set', '--set-mark'], ['xset', '--set-xmark']]);

function natFlags(c: Cursor, options: SpecWords): SpecWords | null {
  for (let flag = c.peek(); flag !== null && NAT_FLAGS.has(flag); flag = c.peek()) {
    options.push(...option(`--${flag}`));
    c.take();
  }
  return c.done ? options : null;
}

/** DNAT, SNAT: `to:ADDRESS[:PORTS]` (one per range), then `random`, `random-fully`, `persistent`. */
function natTarget(to: string): TargetReader {
  return (c) => {
    const options: SpecWords = [];
    for (let range = c.peek(); range?.startsWith('to:'); range = c.peek()) {
      options.push(...option(to, [range.slice(3)]));
      c.take();
    }
    return natFlags(c, options);
  };
}

/** MASQUERADE (`masq ports: 1024-65535`), REDIRECT (`redir ports 8080`), then the flags. */
function portsTarget(...lead: string[]): TargetReader {
  return (c) => {
    const options: SpecWords = [];
    if (c.peek() === lead[0]) {
      if (!lead.every((word) => c.skip(word))) return null;
      const ports = c.take();
      if (ports === null || !PORT_RANGE.test(ports)) return null;
      options.push(...option('--to-ports', [ports]));
    }
    return natFlags(c, options);
  };
}

/** `MARK or 0x4000`, `MARK xset 0x10/0xf0`. */
function markTarget(c: Cursor): SpecWords | null {
  if (!c.skip('MARK')) return null;
  const name = MARK_OPERATIONS.get(c.take() ?? '');
  const value = c.take();
  if (!name || value === null || !/^0x[0-9a-f]+(?:\/0x[0-9a-f]+)?$/i.test(value) || !c.done) return null;
  return option(name, [value]);
}

function rejectTarget(c: Cursor): SpecWords | null {
  if (!c.skip('reject-with')) return null;
  const reply = c.take();
  return reply !== null && /^[a-z0-9-]+$/.test(reply) && c.done ? option('--reject-with', [reply]) : null;
}

function printsNothing(c: Cursor): SpecWords | null {
  return c.done ? [] : null;
}

const READERS: ReadonlyMap<string, TargetReader> = new Map([
  ['DNAT', natTarget('--to-destination')],
  ['SNAT', natTarget('--to-source')],
  ['MASQUERADE', portsTarget('masq', 'ports:')],
  ['REDIRECT', portsTarget('redir', 'ports')],
  ['MARK', markTarget],
  ['REJECT', rejectTarget],
  ['ACCEPT', printsNothing],
  ['DROP', printsNothing],
  ['RETURN', printsNothing],
]);

/**
 * How to read what a target prints: a chain prints nothing; a target extension this file does
 * not know prints text no reader can tell from the matches before it (null).
 */
export function targetReader(target: string): TargetReader | null {
  return READERS.get(target) ?? (BUILTIN_TARGETS.has(target) ? null : printsNothing);
}
