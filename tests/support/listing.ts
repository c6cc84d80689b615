/** `iptables -L` listings as snapshots, through the listing reader (as the registry will hand them over). */
import type { ServiceModel } from '../../lib/model/service';
import type { Snapshot } from '../../lib/model/snapshot';
import { iptablesListReader } from '../../lib/parse/iptables-list/reader';

export function listingSnapshot(text: string, source = 'listing', options: { allowTruncated?: boolean; assumeTable?: string } = {}): Snapshot {
  return iptablesListReader.read(text, { source, allowTruncated: options.allowTruncated ?? false, assumeTable: options.assumeTable, metadata: null });
}

export function modelOfSnapshot(s: Snapshot): ServiceModel {
  return s.describe(s.serviceNames()).model;
}
