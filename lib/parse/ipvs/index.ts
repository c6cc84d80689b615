/**
 * natdiff's reader for kube-proxy's IPVS mode: `ipvsadm -Ln` (and its `--stats`, `--rate`… views)
 * and `ipvsadm-save -n`, read into virtual services and real servers (with a ruleset view for the
 * chain diff) and into the mode-neutral service model.
 */
export { holdsIpvsOutput, looksLikeIpvs, splitIpvsParts, type SplitParts, type TextPart } from './split';
export { readIpvs, type ReadOptions } from './read-ipvs';
export { describeIpvs, type DescribeOptions } from './describe';
export { IPVS_TABLE, IpvsRule, type IpvsChain } from './ruleset';
export type { ForwardMethod, IpvsDump, IpvsFormat, IpvsProtocol, RealServer, Scheduling, VirtualAddress, VirtualService } from './types';
