import type { z } from 'zod';
import type { OutputObject } from '../events/schema.js';

/** `{ [key]: value }` when value is a non-empty string, else `{}`: optional fields are left out, never empty. */
export function present<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined || value === '' ? {} : ({ [key]: value } as { [P in K]: string });
}

/** The first zod issue as `path: message`, for quarantine reasons. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid document' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

type Output = z.infer<typeof OutputObject>;

/** Collects distinct (bucket, object) pairs in the order found; the first region seen wins. */
export class OutputList {
  private readonly seen = new Set<string>();
  readonly items: Output[] = [];

  add(bucket: string | undefined, region: string | undefined, object: string | undefined): void {
    if (object === undefined || object === '') return;
    const key = `${bucket ?? ''}\u0000${object}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ ...present('region', region), ...present('bucket', bucket), object });
  }
}
