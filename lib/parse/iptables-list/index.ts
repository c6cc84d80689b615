/**
 * natdiff's reader for `iptables -t nat -L -n` listings (also `-v`, `-x`, `--line-numbers`, one
 * chain, a pasted part of one): read into the iptables reader's rule layer (an IptablesDump), so
 * the iptables service model and rule diff apply to it unchanged.
 */
export { looksLikeIptablesList } from './detect';
export { readIptablesList, type ReadOptions } from './read-list';
