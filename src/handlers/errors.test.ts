import { describe, expect, it } from 'vitest';
import { isNonRetryable, NonRetryableError, RetryLaterError, summarize } from './errors.js';

describe('NonRetryableError and isNonRetryable', () => {
  it('stops a run when thrown, imported or not (CONTRACT §5.3)', () => {
    const error = new NonRetryableError('bad input', { code: 'BadInput', cause: 'x' });
    expect(error).toMatchObject({
      name: 'NonRetryableError',
      message: 'bad input',
      code: 'BadInput',
      retryable: false,
    });
    expect(error.cause).toBe('x');
    expect(isNonRetryable(error)).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('x'), { name: 'NonRetryableError' }))).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('x'), { retryable: false }))).toBe(true);
    expect(isNonRetryable({ name: 'NonRetryableError' })).toBe(true);
  });

  it('retries anything else', () => {
    for (const error of [
      new Error('x'),
      new RetryLaterError('slow down', 5000),
      Object.assign(new Error('x'), { retryable: true }),
      Object.assign(new Error('x'), { retryable: 'false' }),
      'NonRetryableError',
      null,
      undefined,
    ])
      expect(isNonRetryable(error)).toBe(false);
  });
});

describe('summarize', () => {
  it('keeps name, message and a code (as text)', () => {
    expect(summarize(new NonRetryableError('bad', { code: 'BadInput' }))).toEqual({
      name: 'NonRetryableError',
      message: 'bad',
      code: 'BadInput',
    });
    expect(summarize(Object.assign(new Error('e'), { code: 503 }))).toEqual({
      name: 'Error',
      message: 'e',
      code: '503',
    });
    expect(summarize(new RetryLaterError('later', 10))).toEqual({
      name: 'RetryLaterError',
      message: 'later',
    });
    expect(summarize(Object.assign(new Error('e'), { code: { nested: 1 } }))).toEqual({
      name: 'Error',
      message: 'e',
    });
    expect(summarize('text')).toEqual({ name: 'Error', message: 'text' });
  });
});
