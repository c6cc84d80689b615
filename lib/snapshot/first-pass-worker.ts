/**
 * The code of a FirstPassThread (first-pass-thread.ts): splits the one input it is sent, and ends
 * once it has answered (nothing else holds it open): its memory is given back while the other
 * thread may still be splitting, not when that one is done and closes it.
 */
import { parentPort } from 'node:worker_threads';
import { readerNamed } from '../parse/registry';
import type { SplitAnswer, SplitRequest } from './first-pass-thread';

parentPort?.once('message', ({ reader, bytes, plan }: SplitRequest) => {
  const answer = (a: SplitAnswer, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(a, transfer);
  try {
    const firstPass = readerNamed(reader).firstPass;
    const split = firstPass?.split(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), undefined, plan) ?? null;
    if (!firstPass || split === null) return answer({ split: null });
    const { data, transfer } = firstPass.pack(split);
    answer({ split: data }, transfer);
  } catch (e) {
    answer({ error: e instanceof Error ? e.message : String(e) });
  }
});
