/**
 * Reads one input into text, refusing what cannot be a dump with one clear reason: missing, a
 * directory, empty, binary, not UTF-8, too large for a string or for the memory a diff of it
 * needs. Gzip-compressed input is read transparently (big dumps are often kept compressed).
 * Files, pipes and stdin are read as a stream and every chunk is checked as it comes, after
 * decompression: `/dev/urandom` or a gzip bomb is refused at the first chunk that shows it.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors';
import type { MemoryBudget, ReadSoFar } from './memory-budget';
import { Utf8Check } from './utf8-check';

/** Node cannot hold a single string much larger than this. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

const CHUNK_BYTES = 1024 * 1024;

const MAGIC: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable'],
];

const GZIP = [0x1f, 0x8b];

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

function tooLarge(bytes: number, source: string): InputError {
  return new InputError(`is ${Math.round(bytes / 1048576)} MiB or more; natdiff reads dumps of up to ${MAX_INPUT_BYTES / 1048576} MiB`, source);
}

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;

function count(chunk: Buffer, byte: number): number {
  let n = 0;
  for (let at = chunk.indexOf(byte); at >= 0; at = chunk.indexOf(byte, at + 1)) n++;
  return n;
}

/**
 * The bytes of an input as they come. Of an input whose size is known (a file, not compressed),
 * into one buffer of that size: no chunk is kept, and no second copy is made at the end.
 */
class Bytes {
  private chunks: Buffer[] = [];
  private whole: Buffer | null;
  private filled = 0;

  constructor(size: number | null) {
    this.whole = size === null ? null : Buffer.allocUnsafe(size);
  }

  add(chunk: Buffer): void {
    if (this.whole && this.filled + chunk.length <= this.whole.length) {
      this.filled += chunk.copy(this.whole, this.filled);
      return;
    }
    // More than its size said (the file grew while read): kept chunk by chunk from here on.
    if (this.whole) this.chunks.push(this.whole.subarray(0, this.filled));
    this.whole = null;
    this.chunks.push(chunk);
  }

  end(): Buffer {
    if (this.whole) return this.filled === this.whole.length ? this.whole : this.whole.subarray(0, this.filled);
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    return all;
  }
}

/** The text of an input, put together chunk by chunk (after decompression), each checked as it comes. */
class InputText {
  private readonly bytes: Bytes;
  private readonly utf8 = new Utf8Check();
  readonly soFar: ReadSoFar;

  constructor(
    private readonly source: string,
    private readonly budget: MemoryBudget | undefined,
    /** For a compressed input, how much of it as stored has been taken in so far. */
    private readonly compressedSoFar: (() => number) | null,
    storedSize: number | null,
  ) {
    this.soFar = { bytes: 0, lines: 0, objects: 0, stored: 0, storedSize };
    this.bytes = new Bytes(compressedSoFar === null ? storedSize : null);
  }

  add(chunk: Buffer): void {
    if (this.soFar.bytes === 0) for (const [magic, what] of MAGIC) if (startsWith(chunk, magic)) throw new InputError(`is ${what}, not a dump`, this.source);
    if (chunk.includes(0)) throw new InputError('is a binary file, not a dump', this.source);
    this.soFar.bytes += chunk.length;
    this.soFar.lines += count(chunk, NEWLINE);
    this.soFar.objects += count(chunk, OPEN_BRACE);
    if (this.soFar.bytes > MAX_INPUT_BYTES) throw tooLarge(this.soFar.bytes, this.source);
    this.soFar.stored = this.compressedSoFar?.() ?? this.soFar.bytes;
    this.budget?.reading(this.source, this.soFar);
    this.checkUtf8(this.utf8.add(chunk));
    this.bytes.add(chunk);
  }

  /** The whole input (checked to be UTF-8 text), once every chunk has come. */
  end(): Buffer {
    this.checkUtf8(this.utf8.end());
    if (this.soFar.bytes === 0) throw new InputError(this.compressedSoFar ? 'is empty (after decompression)' : 'is empty', this.source);
    this.budget?.read(this.soFar);
    return this.bytes.end();
  }

  private checkUtf8(ok: boolean): void {
    if (!ok) throw new InputError('is not UTF-8 text, so not a dump', this.source);
  }
}

/** Until the stream has more to read, has ended, or failed. */
function readable(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (e?: Error): void => {
      stream.off('readable', settle).off('end', settle).off('error', settle);
      if (e) reject(e);
      else resolve();
    };
    stream.on('readable', settle).on('end', settle).on('error', settle);
  });
}

/** The first bytes of a stream (fewer if it holds fewer), left in it to be read again. */
async function peek(stream: Readable, bytes: number): Promise<Buffer | null> {
  for (;;) {
    const head = stream.read(bytes) as Buffer | null;
    if (head !== null) {
      stream.unshift(head);
      return head;
    }
    if (stream.readableEnded) return null;
    await readable(stream);
  }
}

export interface ReadOptions {
  /** Counts what is read, and stops reading when a diff of it would need more memory than there is. */
  budget?: MemoryBudget;
}

/** The text of an input read as bytes (a byte order mark dropped). */
export function decodeInput(bytes: Buffer): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}

/** Reads a stream (a pipe, stdin) to its end as the bytes of a dump (UTF-8 text, checked). */
export function readInputStreamBytes(stream: Readable, source: string, options: ReadOptions = {}): Promise<Buffer> {
  return readBytes(stream, source, options, null);
}

/** Reads a stream (a pipe, stdin) to its end as the text of a dump. */
export async function readInputStream(stream: Readable, source: string, options: ReadOptions = {}): Promise<string> {
  return decodeInput(await readInputStreamBytes(stream, source, options));
}

/** `storedSize`: the input's size as stored, when known (a regular file), for the budget to say what all of it needs. */
async function readBytes(stream: Readable, source: string, options: ReadOptions, storedSize: number | null): Promise<Buffer> {
  try {
    const head = await peek(stream, GZIP.length);
    const compressed = head !== null && startsWith(head, GZIP);
    const gunzip = compressed ? createGunzip({ chunkSize: 64 * 1024 }) : null;
    const text = new InputText(source, options.budget, gunzip ? () => gunzip.bytesWritten : null, storedSize);
    // What refused a chunk: behind a zlib stream, pipeline() reports it as "The operation was aborted".
    let refused: unknown = null;
    const check = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
      try {
        for await (const chunk of chunks) text.add(chunk);
      } catch (e) {
        refused = e;
        throw e;
      }
    };
    await (gunzip ? pipeline(stream, gunzip, check) : pipeline(stream, check)).catch((e: unknown) => {
      throw refused ?? e;
    });
    return text.end();
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_')) throw new InputError(`is gzip-compressed but cannot be decompressed (${err.message})`, source);
    throw new InputError(errnoMessage(e) ?? `cannot be read (${err.message})`, source);
  } finally {
    stream.destroy();
  }
}

export async function readInput(path: string, options: ReadOptions = {}): Promise<string> {
  return decodeInput(await readInputBytes(path, options));
}

/** Reads a file or a pipe as the bytes of a dump (UTF-8 text, checked; decompressed). */
export async function readInputBytes(path: string, options: ReadOptions = {}): Promise<Buffer> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(errnoMessage(e) ?? `cannot be read (${(e as Error).message})`, path);
  }
  if (st.isDirectory()) throw new InputError('is a directory, not a dump', path);
  // `natdiff diff <(ssh a iptables-save) <(ssh b iptables-save)` gives pipes: read them, capped.
  if (!st.isFile() && !st.isFIFO()) throw new InputError('is not a regular file or a pipe (a device?), not a dump', path);
  if (st.isFile() && st.size > MAX_INPUT_BYTES) throw tooLarge(st.size, path);
  return readBytes(createReadStream(path, { highWaterMark: CHUNK_BYTES }), path, options, st.isFile() ? st.size : null);
}
