import { describe, expect, it } from 'vitest';
import { shorten, table } from './output.js';

describe('table', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      table(
        ['ID', 'HANDLER', 'ERROR'],
        [
          ['a.audit', 'audit', 'Error: x'],
          ['bb.forward', 'forward', 'y'],
        ],
      ),
    ).toEqual(['ID          HANDLER  ERROR', 'a.audit     audit    Error: x', 'bb.forward  forward  y']);
  });
});

describe('shorten', () => {
  it('flattens whitespace and cuts long text with an ellipsis', () => {
    expect(shorten('one\n\ttwo  three', 40)).toBe('one two three');
    expect(shorten('abcdefghij', 5)).toBe('abcd…');
    expect(shorten('abcde', 5)).toBe('abcde');
  });
});
