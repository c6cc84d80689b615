/**
 * Every input format natdiff reads, in the order they are tried: a reader claims an input from
 * its first lines; inputs that are no rules at all are refused with a message; iptables rules are
 * tried last. A new format is one line here.
 */
import { InputError } from '../errors';
import { iptablesListReader } from './iptables-list/reader';
import { iptablesNftReader } from './iptables-nft/reader';
import { iptablesReader } from './iptables/reader';
import { ipvsReader } from './ipvs/reader';
import { kubeProxyLogReader } from './kube-proxy-log/reader';
import { nftablesReader } from './nftables/reader';
import type { Reader } from './reader';
import { refusal } from './refusals';

const READERS = [kubeProxyLogReader, iptablesNftReader, nftablesReader, ipvsReader, iptablesListReader, iptablesReader] as const;

export type FormatName = (typeof READERS)[number]['name'];

/** What `--format` takes, besides `auto`. */
export const FORMAT_NAMES = READERS.map((r) => r.name) as FormatName[];

const SAMPLE_SIZE = 64 * 1024;

/** The reader `--format NAME` asks for. */
export function readerNamed(name: FormatName): Reader {
  return READERS.find((r) => r.name === name) as Reader;
}

/** The reader for this input, told from its first lines; an input no reader takes is an InputError. */
export function detectReader(text: string, source: string): Reader {
  const sample = text.slice(0, SAMPLE_SIZE);
  const claimed = READERS.find((r) => r !== iptablesReader && r.looksLike(sample, text));
  if (claimed) return claimed;
  const refused = refusal(sample);
  if (refused) throw new InputError(refused, source);
  return iptablesReader;
}
