import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffSnapshots } from '../../lib/diff/diff-snapshots';
import type { DiffReport } from '../../lib/diff/types';
import type { ServiceModel, ServicePort } from '../../lib/model/service';
import type { Snapshot } from '../../lib/model/snapshot';
import { parseSnapshot } from '../../lib/snapshot/load-snapshot';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const SNAPSHOTS = join(__dirname, '..', '..', 'snapshots');

export function snapshotOf(text: string, source = 'test'): Snapshot {
  return parseSnapshot(text, source);
}

export function modelOf(text: string, source = 'test'): ServiceModel {
  const s = snapshotOf(text, source);
  return s.describe(s.serviceNames()).model;
}

export function port(model: ServiceModel, key: string): ServicePort {
  const p = model.ports.find((x) => x.key === key);
  if (!p) throw new Error(`no service ${key}; have ${model.ports.map((x) => x.key).join(', ')}`);
  return p;
}

export function diffTexts(before: string, after: string): DiffReport {
  return diffSnapshots(snapshotOf(before, 'before'), snapshotOf(after, 'after'));
}

export function fixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

export function bundled(name: string): string {
  return readFileSync(join(SNAPSHOTS, name), 'utf8');
}
