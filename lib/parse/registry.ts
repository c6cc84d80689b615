/**
 * Every input format natdiff reads, in the order they are tried: a reader claims an input from
 * its first lines; inputs that are no rules at all are refused with a message; iptables rules are
 * tried last. A new format is its name in format-names.ts and one line here.
 */
import { InputError } from '../errors';
import { FORMAT_NAMES, type FormatName } from './format-names';
import { iptablesListReader } from './iptables-list/reader';
import { iptablesNftReader } from './iptables-nft/reader';
import { iptablesReader } from './iptables/reader';
import { ipvsReader } from './ipvs/reader';
import { kubeProxyLogReader } from './kube-proxy-log/reader';
import { nftablesReader } from './nftables/reader';
import type { Reader } from './reader';
import { refusal } from './refusals';

export type { FormatName };

/** The reader of each format (the compiler checks there is one per name, under its own name). */
const BY_NAME: { readonly [N in FormatName]: Reader & { readonly name: N } } = {
  'kube-proxy-log': kubeProxyLogReader,
  'iptables-nft': iptablesNftReader,
  nftables: nftablesReader,
  ipvs: ipvsReader,
  'iptables-list': iptablesListReader,
  iptables: iptablesReader,
};

const READERS: readonly Reader[] = FORMAT_NAMES.map((name) => BY_NAME[name]);

const SAMPLE_SIZE = 64 * 1024;

/** The reader `--format NAME` asks for. */
export function readerNamed(name: FormatName): Reader {
  return BY_NAME[name];
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
