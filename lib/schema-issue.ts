/** A schema's complaint about outside data (a snapshot header, kubectl's JSON), as a user reads it. */
import type { z } from 'zod';

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return TYPE_WORDS[typeof value] ?? typeof value;
}

/** `items[3].metadata.name`, `pods[10.0.0.1].ready`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key) ? `${i > 0 ? '.' : ''}${key}` : `[${String(key)}]`))
    .join('');
}

/** What is wrong, without where: `expected a list, got a number`. Parse with `reportInput` for the `got`. */
export function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'missing';
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

/** `items[3].metadata.name: expected text, got a number`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issuePath(issue.path);
  return where ? `${where}: ${issueText(issue)}` : issueText(issue);
}
