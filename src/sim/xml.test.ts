import { describe, expect, it } from 'vitest';
import { readXml, renderXml } from './xml.js';

describe('simulator XML', () => {
  it('renders arrays as repeated elements, escapes text and leaves out undefined', () => {
    const xml = renderXml('Response', {
      JobsDetail: [{ JobId: 'a' }, { JobId: 'b' }],
      Message: 'x < y & "z"',
      Skipped: undefined,
    });
    expect(xml).toContain(
      '<JobsDetail><JobId>a</JobId></JobsDetail><JobsDetail><JobId>b</JobId></JobsDetail>',
    );
    expect(xml).toContain('x &lt; y &amp;');
    expect(xml).not.toContain('Skipped');
    expect(readXml(xml).content).toMatchObject({ JobsDetail: [{ JobId: 'a' }, { JobId: 'b' }] });
  });

  it('reads a request and refuses ill-formed XML', () => {
    expect(readXml('<Request><Tag>FileHashCode</Tag></Request>')).toEqual({
      root: 'Request',
      content: { Tag: 'FileHashCode' },
    });
    expect(readXml('<Request/>').content).toEqual({});
    expect(() => readXml('<Request><Tag>')).toThrow(/./);
  });
});
