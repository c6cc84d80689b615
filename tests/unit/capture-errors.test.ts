/**
 * Capture failures are told apart by their code, never by their words, and kubectl's JSON is
 * checked against a schema before natdiff reads it. The "kubectl"s here are two-line scripts
 * standing in for what kubectl prints.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubectl, KubectlError } from '../../lib/capture/kubectl';
import { listOf, nodeSchema } from '../../lib/capture/kube-types';
import { runCommand } from '../../lib/capture/run-command';
import { CaptureError } from '../../lib/errors';
import { scratchDir } from '../support/scratch-dir';

const dir = scratchDir('natdiff-capture-errors-');

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<CaptureError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
  throw new Error('resolved');
}

describe('capture failures carry a code', () => {
  test('a program that is not there: not-installed', async () => {
    const e = await rejection(runCommand(['/nonexistent/iptables-save'], { timeoutMs: 10_000 }));
    expect([e.code, e.message]).toEqual(['not-installed', '/nonexistent/iptables-save is not installed (or not on PATH)']);
  });

  test('a program that never ends: timeout', async () => {
    const e = await rejection(runCommand([script('forever', 'exec sleep 1000')], { timeoutMs: 200 }));
    expect(e.code).toBe('timeout');
  });

  test('a kubectl call that times out is a timeout, whatever its words say (a context named "not installed")', async () => {
    const kubectl = new Kubectl({ context: 'not installed' }, { binary: script('hanging-kubectl', 'exec sleep 1000'), timeoutMs: 200 });
    const e = await rejection(kubectl.run(['get', 'pods']));
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/ '--context=not installed' get pods timed out after 0 s$/);
  });
});

describe("kubectl's JSON is checked against a schema", () => {
  const printing = (name: string, json: string) => new Kubectl({}, { binary: script(name, `echo '${json}'`) });

  test.each([
    ['a name that is a number', '{"items":[{"metadata":{"name":5}}]}', 'items[0].metadata.name: expected text, got a number'],
    ['items that are not a list', '{"items":5}', 'items: expected a list, got a number'],
    ['an object with no metadata', '{"items":[{}]}', 'items[0].metadata: missing'],
  ])('%s: one line naming the call and the field', async (name, json, problem) => {
    const e = await rejection(printing(name.replace(/\W/g, '-'), json).json(listOf(nodeSchema), ['get', 'nodes']));
    expect(e).toBeInstanceOf(KubectlError);
    expect([e.code, e.message, e.detail]).toEqual(['bad-output', `kubectl get nodes: printed JSON natdiff cannot read (${problem})`, null]);
  });

  test('not JSON at all', async () => {
    const e = await rejection(printing('not-json', 'Please enter Username:').json(listOf(nodeSchema), ['get', 'nodes']));
    expect([e.code, e.message]).toEqual(['bad-output', 'kubectl get nodes: printed something that is not JSON']);
  });

  test('what fits is read, without the fields natdiff does not use', async () => {
    const nodes = await printing('fits', '{"apiVersion":"v1","items":[{"metadata":{"name":"node-a","uid":"x"},"status":{}}]}').json(listOf(nodeSchema), ['get', 'nodes']);
    expect(nodes).toEqual({ items: [{ metadata: { name: 'node-a' } }] });
  });
});
