import { expect } from 'vitest';
import { JobhookError } from '../../src/errors.js';

/** The JobhookError `fn` throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): JobhookError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JobhookError);
    if (error instanceof JobhookError) return error;
  }
  throw new Error('expected a JobhookError, nothing was thrown');
}
