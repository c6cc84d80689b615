/** `natdiff snapshots`: the snapshot files under a directory, newest first. */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotMetadata } from '../model/metadata';
import { decodeMetadata } from './metadata';
import { countRules } from './write-snapshot';
import { readInput } from './read-input';

export interface ListedSnapshot {
  path: string;
  capturedAt: string | null;
  label: string | null;
  node: string | null;
  context: string | null;
  rules: number;
  /** False for plain dumps found among them. */
  hasMetadata: boolean;
}

const CHUNK = 256 * 1024;

/** The leading comment block of a file (where the metadata lives), read in chunks until the first rule. */
function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    for (let pos = 0; ; pos += CHUNK) {
      const buf = Buffer.alloc(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, pos);
      chunks.push(buf.subarray(0, n));
      const text = Buffer.concat(chunks).toString('utf8');
      if (n < CHUNK || /\n[^#]/.test(text)) return text;
    }
  } finally {
    closeSync(fd);
  }
}

function* files(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile() && /\.(txt|dump|save|rules)(\.gz)?$/.test(e.name)) yield p;
  }
}

async function listed(path: string, meta: SnapshotMetadata | null): Promise<ListedSnapshot> {
  if (meta) {
    return { path, capturedAt: meta.capturedAt, label: meta.label, node: meta.node, context: meta.kubeContext, rules: meta.rules, hasMetadata: true };
  }
  let rules = 0;
  try {
    rules = countRules(await readInput(path));
  } catch {
    rules = 0;
  }
  return { path, capturedAt: statSync(path).mtime.toISOString(), label: null, node: null, context: null, rules, hasMetadata: false };
}

export async function listSnapshots(dir: string): Promise<ListedSnapshot[]> {
  const out: ListedSnapshot[] = [];
  for (const path of files(dir)) {
    const { metadata } = decodeMetadata(head(path), path);
    out.push(await listed(path, metadata));
  }
  return out.sort((a, b) => ((b.capturedAt ?? '') < (a.capturedAt ?? '') ? -1 : (b.capturedAt ?? '') > (a.capturedAt ?? '') ? 1 : a.path < b.path ? -1 : 1));
}
