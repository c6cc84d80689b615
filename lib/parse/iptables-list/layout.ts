/**
 * The lines `iptables -L` prints (iptables/xshared.c `print_header`, `print_rule_details`,
 * `print_fragment`, `print_ifaces`, `print_ipv4_addresses`): a `Chain` line and the column titles
 * open each chain's block, then one line per rule. Columns are padded with spaces and never
 * hold a space themselves, so a rule line is read word by word up to the destination column;
 * what follows it (the matches, then the target's own text) is kept as printed.
 */

/** `Chain KUBE-SERVICES (2 references)`, `Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)`. */
const CHAIN_LINE = /^Chain (\S+) \((?:policy (\S+)(?: (\d+[KMGT]?) packets, (\d+[KMGT]?) bytes)?|(\d+) references|ERROR obtaining refs)\)$/;
/** The column titles: `num` with --line-numbers; `pkts bytes` and `in out` with -v. */
const TITLE_LINE = /^(num\s+)?(?:(pkts\s+bytes\s+)target\s+prot\s+opt\s+in\s+out|target\s+prot\s+opt)\s+source\s+destination$/;
/** The `opt` column: `--`, or `-f` / `!f` for a fragment match. */
const OPT = /^[-!][-f]$/;
/** A packet or byte counter: exact with -x, else cut to 4 digits and a K, M, G or T. */
const COUNTER = /^\d+[KMGT]?$/;
const LINE_NUMBER = /^\d+$/;
/** An address column as `-n` prints it (`0.0.0.0/0`, `10.96.0.10`, `!10.244.0.0/16`, `fd00::/64`) or as it prints without `-n`. */
const ADDRESS_COLUMN = /^!?(?:[0-9a-f]*[.:][0-9a-f.:]*(?:\/[0-9a-f.:]+)?|anywhere)$/i;

export interface ChainLine {
  name: string;
  /** Built-in chains print their policy. */
  policy: string | null;
  /** Rules (of the listed table) that jump to a user chain; null for a built-in chain. */
  references: number | null;
  /** The policy's counters, with -v. */
  counters: [string, string] | null;
}

/** Which columns the rule lines have, from the column titles. */
export interface Columns {
  /** `--line-numbers`. */
  lineNumbers: boolean;
  /** `-v`: packet and byte counters, and the in/out interfaces. */
  verbose: boolean;
}

export interface RuleColumns {
  lineNumber: number | null;
  counters: [string, string] | null;
  /** Empty for a rule without a target. */
  target: string | null;
  /** As printed: a name (`tcp`, `all`) or a number (`6`, `0`), `!` before it when negated. */
  protocol: string;
  /** The `opt` column. */
  fragment: string;
  /** With -v: `*` for any, `!docker0` when negated. */
  interfaces: { in: string; out: string } | null;
  source: string;
  destination: string;
  /** What the line holds after the destination column: the matches, then the target's text. */
  rest: string;
}

export function chainLine(line: string): ChainLine | null {
  const m = CHAIN_LINE.exec(line);
  if (!m) return null;
  const [, name, policy, packets, bytes, references] = m;
  return {
    name: name as string,
    policy: policy ?? null,
    references: references === undefined ? null : Number(references),
    counters: packets !== undefined && bytes !== undefined ? [packets, bytes] : null,
  };
}

export function titleLine(line: string): Columns | null {
  const m = TITLE_LINE.exec(line);
  return m ? { lineNumbers: m[1] !== undefined, verbose: m[2] !== undefined } : null;
}

interface Word {
  text: string;
  end: number;
}

/** The first `max` words of the line, each with where it ends. */
function leadingWords(line: string, max: number): Word[] {
  const words: Word[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m && words.length < max; m = re.exec(line)) words.push({ text: m[0], end: m.index + m[0].length });
  return words;
}

/**
 * The columns of a line pasted without its block's titles (grep output): placed by the `opt`
 * column, the one that always reads `--`, `-f` or `!f`. With -v, interfaces sit between it and the
 * addresses, and counters (with the line number, if any) before the target.
 */
function inferColumns(words: Word[]): Columns | null {
  const opt = words.findIndex((w, i) => i > 0 && OPT.test(w.text));
  if (opt < 0) return null;
  const verbose = !ADDRESS_COLUMN.test(words[opt + 1]?.text ?? '') && ADDRESS_COLUMN.test(words[opt + 3]?.text ?? '');
  // Before the protocol: [num] [pkts bytes] [target]; one word of num and target is the target,
  // unless it is a number (and, with -v, the two after it are the counters).
  const before = opt - 1 - (verbose ? 2 : 0);
  if (before < 0 || before > 2) return null;
  const numbered = before === 1 && LINE_NUMBER.test(words[0]?.text ?? '') && (!verbose || COUNTER.test(words[2]?.text ?? ''));
  return { lineNumbers: before === 2 || numbered, verbose };
}

/**
 * A rule line split into its columns, or null when it is not one. `columns` come from the
 * block's titles; without them (a pasted fragment) they are inferred from the line.
 */
export function ruleColumns(line: string, known: Columns | null): RuleColumns | null {
  const words = leadingWords(line, 11);
  const columns = known ?? inferColumns(words);
  if (!columns) return null;
  let i = 0;
  const next = (): string | null => words[i++]?.text ?? null;
  let lineNumber: number | null = null;
  if (columns.lineNumbers) {
    const n = next();
    if (n === null || !LINE_NUMBER.test(n)) return null;
    lineNumber = Number(n);
  }
  let counters: [string, string] | null = null;
  if (columns.verbose) {
    const packets = next();
    const bytes = next();
    if (packets === null || bytes === null || !COUNTER.test(packets) || !COUNTER.test(bytes)) return null;
    counters = [packets, bytes];
  }
  // A rule without a target leaves its column blank: the protocol comes first.
  const target = OPT.test(words[i + 1]?.text ?? '') ? null : next();
  const protocol = next();
  const fragment = next();
  if (protocol === null || fragment === null || !OPT.test(fragment)) return null;
  let interfaces: RuleColumns['interfaces'] = null;
  if (columns.verbose) {
    const iface = next();
    const oface = next();
    if (iface === null || oface === null) return null;
    interfaces = { in: iface, out: oface };
  }
  const source = next();
  const destination = words[i];
  if (source === null || destination === undefined || !ADDRESS_COLUMN.test(source) || !ADDRESS_COLUMN.test(destination.text)) return null;
  return { lineNumber, counters, target, protocol, fragment, interfaces, source, destination: destination.text, rest: line.slice(destination.end).trim() };
}
