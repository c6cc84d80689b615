import { iptablesFirstPass } from '../../lib/parse/iptables/narrow';
import { benchCluster, scaleEvent } from '../bench/generate';
import { writeRestorePayload } from '../support/kube-proxy-writer';
import { toSaveFormat } from '../support/save-format';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { collectGarbage } from '../../cli/memory';

describe('a full collection between reading and diffing', () => {
  test('frees what is dead, and leaves no gc() in the global scope', () => {
    let garbage: string[] | null = Array.from({ length: 400_000 }, (_, i) => `${i}`.padStart(200, 'x'));
    expect(garbage.length).toBe(400_000);
    garbage = null;
    const before = process.memoryUsage().heapUsed;
    collectGarbage();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 40 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('a first pass over two dumps', () => {
  test('keeps nothing of the inputs once its answer is dropped (their bytes are most of the memory a diff holds)', async () => {
    const cluster = benchCluster(50, 4, 3);
    const refs: WeakRef<Buffer>[] = [];
    (() => {
      const [b, a] = [cluster, scaleEvent(cluster, 3)].map((c) => Buffer.from(toSaveFormat(writeRestorePayload(c, { seed: 3 }))));
      refs.push(new WeakRef(b as Buffer), new WeakRef(a as Buffer));
      const [sb, sa] = [iptablesFirstPass.split(b as Buffer), iptablesFirstPass.split(a as Buffer)];
      expect(sb && sa && iptablesFirstPass.pair(sb, sa)).not.toBeNull();
    })();
    // WeakRefs are cleared at a collection after the current job: wait for one, then collect.
    await new Promise((resolve) => setImmediate(resolve));
    exposedGc()();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
  });

  test('holds a few hundred bytes a port on the heap: no text of the lines its ports were named from, no array as long as the chains', () => {
    const dump = Buffer.from(toSaveFormat(writeRestorePayload(benchCluster(4000, 4, 3), { seed: 3 })));
    const gc = exposedGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const split = iptablesFirstPass.split(dump);
    gc();
    const held = process.memoryUsage().heapUsed - before;
    // Each port's object and strings (its hash, name and service), and the chains' order (a number a chain, about five a port).
    expect(held / (split?.ports.size ?? 1)).toBeLessThan(450);
  });

  test('pairs dumps written alike in a few bytes a line: no meaning hash is kept for every line (the few it needs are hashed as it needs them)', () => {
    const cluster = benchCluster(500, 4, 3);
    const [b, a] = [cluster, scaleEvent(cluster, 3)].map((c, i) => Buffer.from(toSaveFormat(writeRestorePayload(c, { seed: 3 + i }))));
    const [sb, sa] = [iptablesFirstPass.split(b as Buffer), iptablesFirstPass.split(a as Buffer)];
    if (!sb || !sa) throw new Error('not split');
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    expect(iptablesFirstPass.pair(sb, sa)?.alike.servicePorts).toBeGreaterThan(400);
    // The cut, per line, and a few arrays per chain (about one chain to four lines); meaning hashes for every line were 12 bytes more.
    expect((process.memoryUsage().arrayBuffers - before) / (sb.index.count + sa.index.count)).toBeLessThan(8);
  });
});
