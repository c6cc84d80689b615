/**
 * A throwaway self-signed certificate for 127.0.0.1. The server must speak HTTPS: kubectl (client-go)
 * does not send a bearer token to a plain-http server, so the token-based contexts would not work.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  key: string;
  cert: string;
}

const OPENSSL_TIMEOUT_MS = 15_000;

export function generateCertificate(dir: string): Certificate {
  const keyPath = join(dir, 'apiserver.key');
  const certPath = join(dir, 'apiserver.crt');
  const args = [
    'req', '-x509', '-nodes', '-days', '2',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', keyPath, '-out', certPath,
    '-subj', '/CN=natdiff-fake-apiserver',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ];
  const res = spawnSync('openssl', args, { encoding: 'utf8', timeout: OPENSSL_TIMEOUT_MS });
  if (res.status !== 0) throw new Error(`openssl could not make the test certificate: ${res.stderr || res.error?.message}`);
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
}
