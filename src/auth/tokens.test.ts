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

  it('matches whole tokens only: no prefix, extension, padding or truncation is accepted', () => {
    const token = 'tok-0123456789abcdef';
    const verifier = new TokenVerifier([token, 'short', 'jeton-é-中']);
    for (const candidate of [token, 'short', 'jeton-é-中']) expect(verifier.verify(candidate)).toBe(true);
    for (const candidate of [
      token.slice(0, -1),
      `${token}x`,
      `${token}\u0000`,
      `short\u0000`,
      'shor',
      'jeton-é-',
      'jeton-e-中',
      `${token}${token}`,
      'x'.repeat(10_000),
      '\u0000'.repeat(token.length),
      token.toUpperCase(),
    ])
      expect(verifier.verify(candidate), JSON.stringify(candidate.slice(0, 40))).toBe(false);
  });

  it('checks every candidate afresh (the shared buffer keeps nothing of the one before)', () => {
    const verifier = new TokenVerifier(['abcdef']);
    expect(verifier.verify('abcdefgh')).toBe(false);
    expect(verifier.verify('abc')).toBe(false);
    expect(verifier.verify('abcdef')).toBe(true);
    expect(verifier.verify('abcde')).toBe(false);
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
