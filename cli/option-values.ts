/**
 * Option values are checked while the command line is parsed, before a command runs anything:
 * a missing or empty value is an error naming the option, never a quiet fallback (`--node ''`
 * once captured this machine instead of the node), and typed values are read here, once.
 */
import { NatdiffError } from '../lib/errors';
import { parseDuration } from './duration';

/**
 * The one value of an option: not missing (an option without a type, given no value, reads as
 * true), not empty, not given twice (yargs then makes a list).
 */
export function requireValue(option: string, value: unknown): string {
  if (Array.isArray(value)) throw new NatdiffError(`${option} is given ${value.length} times; give it once`);
  if (value === undefined || value === '' || value === true) throw new NatdiffError(`${option} needs a value`);
  return String(value);
}

/** yargs `coerce` for a duration option (`3m`, `30s`, `1m30s`): milliseconds. */
export function duration(option: string): (value: unknown) => number {
  return (value) => parseDuration(requireValue(option, value), option);
}

/**
 * yargs `coerce` for a whole-number option, declared without a type (yargs' number type reads
 * `abc` as NaN and `''` as 0); `accept` and `expected` say which numbers it takes.
 */
export function wholeNumber(option: string, accept: (n: number) => boolean, expected: string): (value: unknown) => number {
  return (value) => {
    const text = requireValue(option, value);
    if (!/^-?\d+$/.test(text) || !accept(Number(text))) throw new NatdiffError(`${option} ${text}: ${expected}`);
    return Number(text);
  };
}

/** What yargs passes a `.check` as its second argument (typed there as aliases). */
export interface DeclaredOptions {
  string: string[];
  array: string[];
  boolean: string[];
}

interface Given {
  /** As typed: `--node`, `-n`. */
  flag: string;
  name: string;
  /** After `=`, when written `--name=value`. */
  inline: string | undefined;
}

/** The options written on the command line (up to `--`), as typed. */
function optionsGiven(args: readonly string[]): Given[] {
  const end = args.indexOf('--');
  const given: Given[] = [];
  for (const arg of end < 0 ? args : args.slice(0, end)) {
    const m = /^(--[^=]{2,}|-[^-=])(?:=(.*))?$/s.exec(arg);
    if (m) given.push({ flag: m[1] as string, name: (m[1] as string).replace(/^-+/, ''), inline: m[2] });
  }
  return given;
}

/**
 * The `.check` behind every command: each string option given on the command line has a value
 * (each of its values, for a repeatable one), and a flag written `--flag=VALUE` says true or false
 * (yargs reads `--color=banana` as false).
 */
export function checkOptionValues(args: readonly string[], argv: Record<string, unknown>, declared: DeclaredOptions): true {
  for (const { flag, name, inline } of optionsGiven(args)) {
    if (declared.boolean.includes(name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new NatdiffError(`${flag}=${inline}: ${flag} takes no value`);
    } else if (declared.string.includes(name)) {
      const values = declared.array.includes(name) ? (argv[name] as unknown[]) : [argv[name]];
      // yargs drops a repeatable option's `--name=` when it has other values.
      if (values.length === 0 || inline === '') requireValue(flag, undefined);
      for (const v of values) requireValue(flag, v);
    }
  }
  return true;
}
