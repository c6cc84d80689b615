/** Endpoint addresses as kube-proxy writes them: `ip:port`, IPv6 in brackets. */

/** `10.244.0.7:53` / `[fd00::7]:53` → the IP. */
export function endpointIp(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

/** `ip:port` with IPv6 in brackets (Go's net.JoinHostPort). */
export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
