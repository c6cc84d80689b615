/**
 * PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (treated as a merge patch:
 * the fake's patchable fields have no merge-keyed lists), and JSON patch (RFC 6902).
 */
import { badRequest, unsupportedPatch } from './status';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, segments: string[]): { parent: Json; key: string } {
  let node: Json = doc;
  for (const s of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(s)] : isObject(node) ? node[s] : undefined;
    if (next === undefined) throw badRequest(`the server rejected our request due to an error in our request: doc is missing path: "/${segments.join('/')}"`);
    node = next;
  }
  return { parent: node, key: segments[segments.length - 1] ?? '' };
}

function applyOp(doc: Json, op: JsonPatchOp): Json {
  const segments = pointer(op.path);
  if (segments.length === 0) return op.op === 'remove' ? null : (op.value ?? null);
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (op.op === 'add') parent.splice(index, 0, op.value ?? null);
    else if (op.op === 'replace') parent[index] = op.value ?? null;
    else if (op.op === 'remove') parent.splice(index, 1);
    else if (op.op === 'test' && JSON.stringify(parent[index]) !== JSON.stringify(op.value)) throw badRequest(`testing value /${segments.join('/')} failed`);
  } else if (isObject(parent)) {
    if (op.op === 'add' || op.op === 'replace') parent[key] = op.value ?? null;
    else if (op.op === 'remove') delete parent[key];
    else if (op.op === 'test' && JSON.stringify(parent[key]) !== JSON.stringify(op.value)) throw badRequest(`testing value /${segments.join('/')} failed`);
  }
  if (!['add', 'replace', 'remove', 'test'].includes(op.op)) throw badRequest(`Unexpected kind: ${op.op}`);
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return (ops as JsonPatchOp[]).reduce<Json>((doc, op) => applyOp(doc, op), structuredClone(target) as Json);
}

/** Applies a PATCH body of the given Content-Type to a copy of `target`. */
export function applyPatch(target: unknown, patch: unknown, contentType: string): Json {
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  switch (mediaType) {
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return mergePatch(target, patch);
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    default:
      throw unsupportedPatch();
  }
}
