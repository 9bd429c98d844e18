import type { z } from 'zod';

/**
 * Zod's issues in words a configuration author understands, as the error map of a parse: the schemas' own messages
 * (`must be an http:// or https:// URL`) take precedence over it; zod's generic ones (`Invalid input: expected
 * string, received undefined`) are replaced by it.
 */
export const configMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is missing';
      if (issue.expected === 'int') return `must be a whole number, not ${shown(issue.input)}`;
      return `must be ${withArticle(issue.expected)}, not ${kindOf(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return 'must not be empty';
      return `must be at least ${issue.minimum}, not ${shown(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${issue.maximum} entries`;
      if (issue.origin === 'string') return `must have at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}, not ${shown(issue.input)}`;
    case 'invalid_value':
      return `must be ${issue.values.map(shown).join(' or ')}, not ${shown(issue.input)}`;
    case 'invalid_key':
      return issue.issues.map((keyIssue) => keyIssue.message).join('; ');
    default:
      return undefined;
  }
};

/** `5`, `"5s"`, `true`: a value as the file would write it, cut when long. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${shown(value)}`;
}

function withArticle(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object' || expected === 'record') return 'an object';
  return `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
}
