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
  readonly items: Output[] = [];
  /** Keys of `items`, once there are too many to compare one by one. */
  private seen: Set<string> | undefined;

  add(bucket: string | undefined, region: string | undefined, object: string | undefined): void {
    if (object === undefined || object === '') return;
    const bucketName = bucket === '' ? undefined : bucket;
    if (this.has(bucketName, object)) return;
    // Built field by field, in the order the event lists them, with absent and empty fields left out.
    const item = {} as Output;
    if (region !== undefined && region !== '') item.region = region;
    if (bucketName !== undefined) item.bucket = bucketName;
    item.object = object;
    this.items.push(item);
    this.seen?.add(key(bucketName, object));
  }

  private has(bucket: string | undefined, object: string): boolean {
    if (this.seen === undefined) {
      if (this.items.length < 16)
        return this.items.some((item) => item.object === object && item.bucket === bucket);
      this.seen = new Set(this.items.map((item) => key(item.bucket, item.object)));
    }
    return this.seen.has(key(bucket, object));
  }
}

const key = (bucket: string | undefined, object: string): string => `${bucket ?? ''}\u0000${object}`;
