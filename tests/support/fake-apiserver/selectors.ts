/**
 * Label and field selectors as the API server parses them from `labelSelector=` and
 * `fieldSelector=`, with the per-resource field labels the real server supports.
 */
import type { KubeObject, Labels } from './types';

export type Matcher = (object: KubeObject) => boolean;

export class SelectorError extends Error {}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

type LabelTest = (labels: Labels) => boolean;

function parseSet(text: string): string[] {
  const m = /^\((.*)\)$/.exec(text.trim());
  if (!m) throw new SelectorError(`unable to parse requirement: found '${text}', expected: '('`);
  return (m[1] ?? '').split(',').map((v) => v.trim());
}

function parseRequirement(req: string): LabelTest {
  const setMatch = /^(\S+)\s+(in|notin)\s+(\(.*\))$/.exec(req);
  if (setMatch) {
    const [, k = '', op, set = ''] = setMatch;
    const values = parseSet(set);
    return op === 'in'
      ? (labels) => labels[k] !== undefined && values.includes(labels[k])
      : (labels) => labels[k] === undefined || !values.includes(labels[k]);
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(req);
  if (cmp) {
    const [, k = '', op, value = ''] = cmp;
    return op === '!=' ? (labels) => labels[k] !== value : (labels) => labels[k] === value;
  }
  const exists = /^(!?)([^!=\s()]+)$/.exec(req);
  if (exists) {
    const [, not, k = ''] = exists;
    return not ? (labels) => labels[k] === undefined : (labels) => labels[k] !== undefined;
  }
  throw new SelectorError(`unable to parse requirement: invalid label selector "${req}"`);
}

export function parseLabelSelector(text: string | null): Matcher {
  const tests = splitTopLevel(text ?? '').map(parseRequirement);
  return (object) => tests.every((t) => t(object.metadata.labels ?? {}));
}

type FieldGetter = (object: KubeObject) => string;

function path(...segments: string[]): FieldGetter {
  return (object) => {
    let value: unknown = object;
    for (const s of segments) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[s] : undefined;
    }
    return value === undefined || value === null ? '' : String(value);
  };
}

const COMMON_FIELDS: Record<string, FieldGetter> = {
  'metadata.name': path('metadata', 'name'),
  'metadata.namespace': path('metadata', 'namespace'),
};

const FIELDS_BY_RESOURCE: Record<string, Record<string, FieldGetter>> = {
  pods: {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) => String(Boolean((o as unknown as { spec: { hostNetwork?: boolean } }).spec.hostNetwork)),
    'status.phase': path('status', 'phase'),
    'status.podIP': path('status', 'podIP'),
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  nodes: { 'spec.unschedulable': (o) => String(Boolean(path('spec', 'unschedulable')(o))) },
  services: { 'spec.clusterIP': path('spec', 'clusterIP'), 'spec.type': path('spec', 'type') },
  namespaces: { 'status.phase': path('status', 'phase') },
};

function unescapeField(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** Splits on unescaped commas (field selector values escape ',' '=' and '\' with a backslash). */
function splitFieldTerms(text: string): string[] {
  return text
    .split(/(?<!\\),/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

export function parseFieldSelector(resource: string, text: string | null): Matcher {
  const fields = { ...COMMON_FIELDS, ...(FIELDS_BY_RESOURCE[resource] ?? {}) };
  const tests = splitFieldTerms(text ?? '').map((term): Matcher => {
    const m = /^(.*?)(==|!=|=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field = '', op, raw = ''] = m;
    const getter = fields[field];
    if (!getter) throw new SelectorError(`field label not supported: ${field}`);
    const value = unescapeField(raw);
    return op === '!=' ? (o) => getter(o) !== value : (o) => getter(o) === value;
  });
  return (object) => tests.every((t) => t(object));
}

/** "k1=v1,k2=v2" with keys sorted, as metav1.FormatLabelSelector prints matchLabels. */
export function formatLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

export function labelsMatch(selector: Labels, labels: Labels | undefined): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}
