/**
 * Reads outside data against a schema, mending what does not fit rather than refusing all of it:
 * a damaged field that may be null becomes null, an optional one is left out, a damaged entry of
 * a list or mapping is dropped. Damage nothing can mend (a required field) leaves no value.
 */
import { z } from 'zod';
import { issuePath, issueText } from './schema-issue';

export interface Damage {
  /** Where the schema complained: `servicePorts`, `pods[10.0.0.1].ready`. */
  path: string;
  /** The first key of the path: the field the damage is in (`''` for the whole value). */
  field: string;
  /** `expected a list, got a number`. */
  problem: string;
  /** The part that was nulled, left out or dropped (`pods[10.0.0.1]`); null when none could be. */
  mended: string | null;
}

export interface Lenient<T> {
  /** What fits the schema, mended; null when the damage is beyond mending. */
  value: T | null;
  damage: Damage[];
}

type Container = Record<PropertyKey, unknown>;

const DROPPED = Symbol('dropped');

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

function childSchema(schema: z.ZodType, key: PropertyKey): z.ZodType | null {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return typeof key === 'string' ? ((s.shape as Record<string, z.ZodType>)[key] ?? null) : null;
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  if (s instanceof z.ZodArray) return s.element as z.ZodType;
  return null;
}

function containerAt(root: unknown, path: readonly PropertyKey[]): Container | null {
  let v = root;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Container)[key] : undefined;
  return typeof v === 'object' && v !== null ? (v as Container) : null;
}

/** Mends the innermost part around `path` that can be mended and says which; null when none can. Records the arrays that now hold DROPPED. */
function mend(root: unknown, schema: z.ZodType, path: readonly PropertyKey[], holed: Set<unknown[]>): string | null {
  const schemas = [schema];
  for (const key of path) {
    const child = childSchema(schemas[schemas.length - 1] as z.ZodType, key);
    if (!child) break;
    schemas.push(child);
  }
  for (let depth = schemas.length - 1; depth >= 1; depth--) {
    const own = schemas[depth] as z.ZodType;
    const parent = unwrap(schemas[depth - 1] as z.ZodType);
    const key = path[depth - 1] as PropertyKey;
    const container = containerAt(root, path.slice(0, depth - 1));
    if (!container) continue;
    if (own.safeParse(null).success) container[key] = null;
    else if (own.safeParse(undefined).success || parent instanceof z.ZodRecord) delete container[key];
    else if (parent instanceof z.ZodArray) {
      container[key] = DROPPED;
      holed.add(container as unknown as unknown[]);
    } else continue;
    return issuePath(path.slice(0, depth));
  }
  return null;
}

function closeHoles(list: unknown[]): void {
  let n = 0;
  for (const item of list) if (item !== DROPPED) list[n++] = item;
  list.length = n;
}

// One pass mends everything the schema reports (it reports every damaged part at once); the
// second only confirms. More would mean a mend that does not hold: give up rather than loop.
const MAX_PASSES = 3;

export function parseLeniently<S extends z.ZodType>(schema: S, input: unknown): Lenient<z.output<S>> {
  const damage: Damage[] = [];
  const value: unknown = structuredClone(input);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) return { value: parsed.data, damage };
    const holed = new Set<unknown[]>();
    for (const issue of parsed.error.issues) {
      const found: Damage = { path: issuePath(issue.path), field: String(issue.path[0] ?? ''), problem: issueText(issue), mended: mend(value, schema, issue.path, holed) };
      if (found.mended === null) return { value: null, damage: [found] };
      damage.push(found);
    }
    for (const list of holed) closeHoles(list);
  }
  return { value: null, damage: damage.slice(-1) };
}
