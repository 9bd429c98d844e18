import { describe, expect, it } from 'vitest';
import { presentedToken, queryParam, TokenVerifier } from './tokens.js';

describe('queryParam', () => {
  it('reads a parameter like URLSearchParams does', () => {
    for (const target of [
      '/v1/callbacks?token=abc',
      '/v1/callbacks?x=1&token=abc&y=2',
      '/v1/callbacks?tokens=no&token=a%2Bb',
      '/v1/callbacks?token=a+b',
      '/v1/callbacks?xtoken=1',
      '/v1/callbacks',
      '/v1/callbacks?token=',
      '/v1/callbacks?token=%E4%B8%AD&token=second',
    ])
      expect(queryParam(target, 'token')).toBe(
        new URLSearchParams(target.split('?')[1] ?? '').get('token') ?? undefined,
      );
  });
});

describe('TokenVerifier', () => {
  it('accepts any configured token and nothing else', () => {
    const verifier = new TokenVerifier(['one', 'two']);
    expect(verifier.verify('one')).toBe(true);
    expect(verifier.verify('two')).toBe(true);
    expect(verifier.verify('on')).toBe(false);
    expect(verifier.verify('')).toBe(false);
    expect(verifier.verify(undefined)).toBe(false);
  });

  it('takes the token from the query, then X-Jobhook-Token, then a Bearer authorization', () => {
    const headers = (h: Record<string, string>) => (name: string) => h[name];
    expect(presentedToken('q', headers({ 'x-jobhook-token': 'h' }))).toBe('q');
    expect(presentedToken(undefined, headers({ 'x-jobhook-token': 'h', authorization: 'Bearer b' }))).toBe(
      'h',
    );
    expect(presentedToken(undefined, headers({ authorization: 'bearer b ' }))).toBe('b');
    expect(presentedToken(undefined, headers({ authorization: 'Basic b' }))).toBeUndefined();
  });
});
