/**
 * Writes a file the way a user's files deserve: never over an existing file unless asked,
 * and atomically (a temp file in the same directory, then a rename), so an interrupted write
 * leaves either the old file or the new one, never half of one.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors';

export interface WriteOptions {
  /** Replace an existing file. */
  force?: boolean;
  mode?: number;
}

export function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', options.mode ?? 0o644);
  } catch (e) {
    throw new InputError(`cannot write here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, path);
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.force) {
      renameSync(tmp, path);
    } else {
      // link() fails if the target exists, so no file appears between a check and the write.
      try {
        linkSync(tmp, path);
        unlinkSync(tmp);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
        // A filesystem without hard links: check, then rename.
        if (existsSync(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        renameSync(tmp, path);
      }
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError('already exists; pass --force to replace it', path);
    throw new InputError(`cannot write (${code ?? (e as Error).message})`, path);
  }
}
