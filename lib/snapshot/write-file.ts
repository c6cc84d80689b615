/**
 * Writes a file the way a user's files deserve: never over an existing file unless asked,
 * and atomically (a temp file in the same directory, written in full and synced, then renamed
 * or linked into place), so an interrupted or failed write leaves either the old file or the new
 * one, never half of one and never a stray temp file (one left by a killed writer goes with the
 * next write to that directory).
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors';

export interface WriteOptions {
  /** Replace an existing file. */
  force?: boolean;
  mode?: number;
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** writeSync may write less than asked (a full disk says so only on the next call). */
function writeAll(fd: number, content: string): void {
  const buf = Buffer.from(content, 'utf8');
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Pieces of text joined into pieces of about `size` characters (a long report is never one string). */
export function* batches(pieces: Iterable<string>, size: number): Generator<string> {
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length >= size) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;
}

/** Small enough for V8's young generation, where short-lived strings cost nothing to free. */
export const WRITE_BATCH = 64 * 1024;

function place(tmp: string, path: string, force: boolean): void {
  if (force) {
    renameSync(tmp, path);
    return;
  }
  try {
    // link() fails if the target exists, so no file appears between a check and the write.
    linkSync(tmp, path);
    unlinkSync(tmp);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP') throw e;
    // A filesystem without hard links: check, then rename.
    if (existsSync(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    renameSync(tmp, path);
  }
}

/** `.NAME.PID.RANDOM.tmp`: the writer's pid says whether the writer is still there. */
const TEMP_NAME = /^\..+\.(\d{1,7})\.[0-9a-f]{12}\.tmp$/;

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // there, but another user's
  }
}

/**
 * Temp files of writers that are gone: killed with SIGKILL (which no program can handle) or by
 * a power cut, they never renamed or removed theirs. A live writer's temp file is left alone.
 */
export function removeStaleTempFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // creating the temp file will say what is wrong with the directory
  }
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) removeQuietly(join(dir, name));
  }
}

/** `content` may come in pieces (a streamed report): they are written as they come. */
export function writeFileAtomic(path: string, content: string | Iterable<string>, options: WriteOptions = {}): void {
  removeStaleTempFiles(dirname(path));
  const tmp = tempPath(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', options.mode ?? 0o644);
  } catch (e) {
    throw new InputError(`cannot write here (${code(e)})`, path);
  }
  try {
    try {
      for (const piece of typeof content === 'string' ? [content] : batches(content, WRITE_BATCH)) writeAll(fd, piece);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    place(tmp, path, Boolean(options.force));
  } catch (e) {
    removeQuietly(tmp);
    if ((e as NodeJS.ErrnoException).code === undefined) throw e; // not the file system's: the content failed
    if (code(e) === 'EEXIST') throw new InputError('already exists; pass --force to replace it', path);
    if (code(e) === 'ENOSPC') throw new InputError('cannot be written: no space left on the device (nothing was changed)', path);
    throw new InputError(`cannot be written (${code(e)}; nothing was changed)`, path);
  }
}
