/** `natdiff snapshots`: the snapshot files under a directory, newest first. */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotMetadata, SourceKind } from '../model/metadata';
import { decodeMetadata } from './metadata';
import { countRules } from './write-snapshot';
import { readInput } from './read-input';

export interface ListedSnapshot {
  path: string;
  /** When natdiff captured it (its metadata); null for a plain dump, whose capture time is unknown. */
  capturedAt: string | null;
  label: string | null;
  node: string | null;
  /** Where the rules were read (metadata.source); null for a plain dump. */
  source: { kind: SourceKind; target: string | null } | null;
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
    return { path, capturedAt: meta.capturedAt, label: meta.label, node: meta.node, source: { kind: meta.source.kind, target: meta.source.target }, context: meta.kubeContext, rules: meta.rules, hasMetadata: true };
  }
  let rules = 0;
  try {
    rules = countRules(await readInput(path));
  } catch {
    rules = 0;
  }
  return { path, capturedAt: null, label: null, node: null, source: null, context: null, rules, hasMetadata: false };
}

/** Newest first, then those of unknown capture time; by path among equals. */
function newestFirst(a: ListedSnapshot, b: ListedSnapshot): number {
  const at = a.capturedAt ?? '';
  const bt = b.capturedAt ?? '';
  if (at !== bt) return bt < at ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export async function listSnapshots(dir: string): Promise<ListedSnapshot[]> {
  const out: ListedSnapshot[] = [];
  for (const path of files(dir)) {
    const { metadata } = decodeMetadata(head(path), path);
    out.push(await listed(path, metadata));
  }
  return out.sort(newestFirst);
}
