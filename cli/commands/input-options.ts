/** The options every command that reads a dump takes alike: which format it is, and which restore payload of a log. */
import { FORMAT_NAMES } from '../../lib/parse/format-names';
import { wholeNumber } from '../option-values';

const INPUT_FORMATS = ['auto', ...FORMAT_NAMES] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const FORMAT_OPTION = { choices: INPUT_FORMATS, default: 'auto' as const, describe: 'input format (detected by default)' };

export const PAYLOAD_OPTION = {
  coerce: wholeNumber('--payload', (n) => n !== 0, 'needs a whole number: 1 for the first payload, -1 for the last'),
  describe: 'which restore payload of a kube-proxy log (1 = first, -1 = last)',
};
