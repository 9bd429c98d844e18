import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';

/** A commander argument parser from a schema: a value it refuses is a usage error (exit 2) saying `what` it takes. */
export const reading =
  <T>(schema: z.ZodType<T>, what: string) =>
  (value: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(what);
    return parsed.data;
  };
