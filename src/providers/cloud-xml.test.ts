import { describe, expect, it } from 'vitest';
import { renderXml } from './cloud-xml.js';

describe('renderXml', () => {
  it('repeats arrays, writes numbers and booleans as JSON text, escapes text, leaves out null and undefined', () => {
    expect(
      renderXml('tencent-ci', 'Request', {
        Tag: 'A&B <c> "d"',
        Count: 10,
        Off: false,
        Key: ['x', 'y'],
        Items: [{ N: 1 }, { N: 2.5 }],
        Skip: undefined,
        None: null,
        Empty: '',
      }),
    ).toBe(
      '<Request><Tag>A&amp;B &lt;c&gt; &quot;d&quot;</Tag><Count>10</Count><Off>false</Off><Key>x</Key><Key>y</Key>' +
        '<Items><N>1</N></Items><Items><N>2.5</N></Items><Empty></Empty></Request>',
    );
  });

  it('refuses keys that are no element names, whatever the builder would do with them', () => {
    for (const key of ['a b', '<x>', '@_attr', '#text', '1st', ''])
      expect(() => renderXml('tencent-ci', 'Request', { Operation: { [key]: 'v' } })).toThrow(
        expect.objectContaining({ code: 'InvalidRequest', outcome: 'refused' }),
      );
  });
});
