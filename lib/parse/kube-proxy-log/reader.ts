/** A kube-proxy log (`-v=5` and above): the iptables-restore payload it logged, read as iptables rules. */
import { InputError } from '../../errors';
import { parseIptablesDump } from '../iptables/parse-dump';
import { alikeDumpOf } from '../iptables/read-cache';
import { iptablesSnapshot } from '../iptables/snapshot';
import type { Reader } from '../reader';
import { extractPayloads, KLOG_HEADER } from './payloads';

const SAMPLE_LINES = 200;

function isLogLine(line: string): boolean {
  return KLOG_HEADER.test(line) || (line.startsWith('{') && line.includes('"msg"'));
}

function pickPayload(count: number, wanted: number | undefined, source: string): number {
  if (wanted === undefined) return count - 1;
  const index = wanted < 0 ? count + wanted : wanted - 1;
  if (index < 0 || index >= count) throw new InputError(`holds ${count} restore payload${count === 1 ? '' : 's'}; there is no payload ${wanted}`, source);
  return index;
}

export const kubeProxyLogReader = {
  name: 'kube-proxy-log' as const,
  reads: "kube-proxy's log at -v=5 (its iptables-restore payloads)",
  looksLike: (sample) => sample.split('\n', SAMPLE_LINES).some((l) => isLogLine(l.trim())),
  read(text, context) {
    const { source } = context;
    const payloads = extractPayloads(text, source);
    const index = pickPayload(payloads.length, context.payload, source);
    const payload = payloads[index] as (typeof payloads)[number];
    const dump = parseIptablesDump(payload.text, { source, assumeTable: context.assumeTable, allowTruncated: context.allowTruncated, alike: alikeDumpOf(context.alike), onProgress: context.onProgress, lineNumbers: payload.lineNumbers });
    if (payloads.length > 1) {
      dump.warnings.unshift({
        source,
        line: payload.line,
        message: `the log holds ${payloads.length} restore payloads (lines ${payloads.map((p) => p.line).join(', ')}); using payload ${index + 1}, choose another with --payload`,
      });
    }
    return iptablesSnapshot(dump, { source, format: 'kube-proxy log (restore payload)', metadata: null });
  },
} satisfies Reader;
