/**
 * A look-alike API server on 127.0.0.1: HTTPS with the fake cluster's own certificate (so kubectl
 * trusts it and would send the kubeconfig's token), recording every connection and every
 * Authorization header. Tests point injected options at it and check that nothing arrived.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Certificate } from './fake-apiserver/tls';

export interface Listener {
  url: string;
  /** TCP connections accepted, TLS or not. */
  connections: number;
  /** Authorization headers received. */
  authorizations: string[];
  close(): Promise<void>;
}

export async function startListener(certificate: Certificate): Promise<Listener> {
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    if (req.headers.authorization) listener.authorizations.push(req.headers.authorization);
    res.writeHead(404).end();
  });
  server.on('connection', () => listener.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: Listener = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: 0,
    authorizations: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return listener;
}
