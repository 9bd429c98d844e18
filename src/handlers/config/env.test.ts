import { describe, expect, it } from 'vitest';
import { isPlainObject, substituteEnv, type Unset } from './env.js';

const env = { SECRET: 's3cr3t', HOST: 'x.example', EMPTY: '', NESTED: '${SECRET}', _UNDER_1: 'u' };

function substitute(value: unknown, environment: Record<string, string | undefined> = env) {
  const unset: Unset[] = [];
  return { value: substituteEnv(value, environment, unset), unset };
}

describe('substituteEnv', () => {
  it('replaces ${NAME} in every string value, in arrays and objects at any depth', () => {
    const { value, unset } = substitute({
      url: 'https://${HOST}/${SECRET}?${HOST}',
      list: ['${SECRET}', ['${HOST}', { deep: '${_UNDER_1}' }]],
      kept: 5,
      flag: true,
      none: null,
    });
    expect(value).toEqual({
      url: 'https://x.example/s3cr3t?x.example',
      list: ['s3cr3t', ['x.example', { deep: 'u' }]],
      kept: 5,
      flag: true,
      none: null,
    });
    expect(unset).toEqual([]);
  });

  it('replaces with an empty value, and does not read a replacement again', () => {
    expect(substitute('a${EMPTY}b${NESTED}').value).toBe('ab${SECRET}');
  });

  it('leaves names that are not env-style alone: CI placeholders, digits first, lower case', () => {
    const text = '${InputName}/${Number}/${1A}/${host}/${A-B}/${ SECRET }/$SECRET/{SECRET}';
    expect(substitute(text)).toEqual({ value: text, unset: [] });
  });

  it('writes $${NAME} as a literal ${NAME}, set or not', () => {
    expect(substitute('$${SECRET} $${UNSET} $$${SECRET}').value).toBe('${SECRET} ${UNSET} $${SECRET}');
    expect(substitute('$${UNSET}').unset).toEqual([]);
  });

  it('collects every unset variable with its path, leaving the reference as written', () => {
    const { value, unset } = substitute({ a: ['ok', '${NO_1} and ${NO_2}'], b: { c: '${SECRET}${NO_1}' } });
    expect(value).toEqual({ a: ['ok', '${NO_1} and ${NO_2}'], b: { c: 's3cr3t${NO_1}' } });
    expect(unset).toEqual([
      { path: ['a', 1], variable: 'NO_1' },
      { path: ['a', 1], variable: 'NO_2' },
      { path: ['b', 'c'], variable: 'NO_1' },
    ]);
  });

  it('substitutes values only: keys are kept as written', () => {
    const { value, unset } = substitute({ '${SECRET}': '${SECRET}', nested: { '${UNSET}': 1 } });
    expect(value).toEqual({ '${SECRET}': 's3cr3t', nested: { '${UNSET}': 1 } });
    expect(unset).toEqual([]);
  });

  it('keeps functions and class instances as they are (not walked, not copied)', () => {
    class Client {
      readonly url = '${HOST}';
    }
    const client = new Client();
    const handle = (): string => '${HOST}';
    const date = new Date(0);
    const { value } = substitute({ handle, client, date, list: [handle] });
    expect(value).toEqual({ handle, client, date, list: [handle] });
    const copy = value as { handle: unknown; client: Client; date: Date };
    expect(copy.handle).toBe(handle);
    expect(copy.client).toBe(client);
    expect(copy.client.url).toBe('${HOST}');
    expect(copy.date).toBe(date);
  });

  it('copies plain objects, never changing the input', () => {
    const input = { a: { b: '${SECRET}' }, c: ['${HOST}'] };
    const { value } = substitute(input);
    expect(input).toEqual({ a: { b: '${SECRET}' }, c: ['${HOST}'] });
    expect(value).not.toBe(input);
  });

  it('keeps a __proto__ key a key of the copy (an assignment would make it the prototype)', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "${SECRET}"}, "a": 1}') as unknown;
    const copy = substitute(input).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: 's3cr3t' });
    expect(copy.polluted).toBeUndefined();
  });

  it('walks objects without a prototype too', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { a: '${HOST}' });
    expect(substitute(input).value).toEqual({ a: 'x.example' });
  });
});

describe('isPlainObject', () => {
  it('is true for literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const value of [
      null,
      [],
      new Date(),
      new (class Thing {
        readonly kind = 'thing';
      })(),
      () => undefined,
      'x',
      1,
      new Map(),
    ])
      expect(isPlainObject(value)).toBe(false);
  });
});
