/** The pod behind an endpoint address, as the cluster said at capture time. */
export interface PodRef {
  namespace: string;
  pod: string;
  node: string | null;
  ready: boolean;
  terminating: boolean;
}

/** `10.244.0.7:53` / `[fd00::7]:53` → the IP the pod map is keyed by. */
export function endpointIp(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}
