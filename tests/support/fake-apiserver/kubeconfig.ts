/**
 * The kubeconfig tests hand to kubectl: context "fake" (the default, an allowed user) and
 * "forbidden" (the forbidden token), both trusting the server's self-signed certificate.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  path: string;
  url: string;
  caCert: string;
  adminToken: string;
  forbiddenToken: string;
}

export function writeKubeconfig(input: KubeconfigInput): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: input.url, 'certificate-authority-data': Buffer.from(input.caCert).toString('base64') } }],
    users: [
      { name: 'fake-admin', user: { token: input.adminToken } },
      { name: 'forbidden', user: { token: input.forbiddenToken } },
    ],
    contexts: [
      { name: 'fake', context: { cluster: 'fake', user: 'fake-admin', namespace: 'default' } },
      { name: 'forbidden', context: { cluster: 'fake', user: 'forbidden', namespace: 'default' } },
    ],
    'current-context': 'fake',
    preferences: {},
  };
  writeFileSync(input.path, stringify(config), { mode: 0o600 });
}
