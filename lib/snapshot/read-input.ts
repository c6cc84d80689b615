/**
 * Reads one input file into text, refusing what cannot be a dump with one clear reason:
 * missing, a directory, empty, binary, not UTF-8, too large. Gzip-compressed files are read
 * transparently (big dumps are often kept compressed).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors';

/** Node cannot hold a single string much larger than this. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

const MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable'],
];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

function errnoMessage(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a dump';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return null;
  }
}

export function decodeInput(buf: Buffer, source: string): string {
  if (buf.length === 0) throw new InputError('is empty', source);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: MAX_INPUT_BYTES });
    } catch (e) {
      throw new InputError(`is gzip-compressed but cannot be decompressed (${(e as Error).message})`, source);
    }
    if (buf.length === 0) throw new InputError('is empty (after decompression)', source);
  }
  for (const [magic, what] of MAGIC) if (startsWith(buf, magic)) throw new InputError(`is ${what}, not a dump`, source);
  if (buf.subarray(0, 65536).includes(0)) throw new InputError('is a binary file, not a dump', source);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new InputError('is not UTF-8 text, so not a dump', source);
  }
}

function tooLarge(bytes: number, source: string): InputError {
  return new InputError(`is ${Math.round(bytes / 1048576)} MiB or more; natdiff reads dumps of up to ${MAX_INPUT_BYTES / 1048576} MiB`, source);
}

/** A pipe or stdin: read until the end, but never more than a dump can be. */
export function readStream(fd: number, source: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(1 << 20);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EAGAIN') continue;
      if (c === 'EOF') break;
      throw new InputError(errnoMessage(e) ?? `cannot be read (${(e as Error).message})`, source);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw tooLarge(total, source);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks);
}

export function readInput(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(errnoMessage(e) ?? `cannot be read (${(e as Error).message})`, path);
  }
  if (st.isDirectory()) throw new InputError('is a directory, not a dump', path);
  // `natdiff diff <(ssh a iptables-save) <(ssh b iptables-save)` gives pipes: read them, capped.
  if (st.isFIFO()) {
    const fd = openSync(path, 'r');
    try {
      return decodeInput(readStream(fd, path), path);
    } finally {
      closeSync(fd);
    }
  }
  if (!st.isFile()) throw new InputError('is not a regular file or a pipe (a device?), not a dump', path);
  if (st.size > MAX_INPUT_BYTES) throw tooLarge(st.size, path);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new InputError(errnoMessage(e) ?? `cannot be read (${(e as Error).message})`, path);
  }
  return decodeInput(buf, path);
}
