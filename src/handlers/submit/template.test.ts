import { describe, expect, it } from 'vitest';
import { jobEvent } from '../test-events.js';
import { compileTemplates, TemplateUnresolved } from './template.js';

const event = jobEvent();

describe('submit templates', () => {
  it('fills {{ path }} anywhere in strings of the rule, over the whole event', () => {
    const { render, problems } = compileTemplates({
      bucket: '{{ data.input.bucket }}',
      request: {
        Tag: 'FileHashCode',
        Input: { Object: '{{data.outputs[0].object}}' },
        Operation: {
          UserData: 'from {{ id }} ({{ type }}) of {{ subject }}',
          Output: { Object: 'hash/${InputName}.txt' },
        },
        Level: 3,
        Flags: [true, '{{ data.tag }}'],
      },
    });
    expect(problems).toEqual([]);
    expect(render(event)).toEqual({
      bucket: 'media-1250000000',
      request: {
        Tag: 'FileHashCode',
        Input: { Object: 'out/a.zip' },
        Operation: {
          UserData: `from ${event.id} (tencent.ci.job.succeeded) of ${event.subject}`,
          Output: { Object: 'hash/${InputName}.txt' },
        },
        Level: 3,
        Flags: [true, 'FileCompress'],
      },
    });
  });

  it.each([
    ['{{ data.verified.record.x }}', 'resolves to nothing'],
    ['{{ data.outputs[3].object }}', 'resolves to nothing'],
    ['{{ data.input }}', 'is an object or a list'],
    ['{{ data.outputs }}', 'is an object or a list'],
    ['{{ data.userData }}', 'resolves to nothing'],
    ['{{ data.constructor }}', 'resolves to nothing'],
    ['{{ data.outputs.length }}', 'resolves to nothing'],
  ])('stops the run (TemplateUnresolved, non-retryable) when %s %s', (template, why) => {
    const { render } = compileTemplates({ request: { Input: { Object: template } } });
    let thrown: unknown;
    try {
      render(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TemplateUnresolved);
    expect((thrown as TemplateUnresolved).code).toBe('TemplateUnresolved');
    expect((thrown as TemplateUnresolved).retryable).toBe(false);
    expect((thrown as Error).message).toContain(why);
  });

  it('refuses an empty value', () => {
    const { render } = compileTemplates({ o: '{{ data.message }}' });
    expect(() => render(jobEvent({ data: { ...event.data, message: '' } }))).toThrow(/is empty/);
  });

  it('reports paths it cannot read and unclosed templates at compile time', () => {
    expect(
      compileTemplates({ a: '{{ data..x }}', b: '{{ 1abc }}', c: 'x {{ data.tag', d: '{{}}' }).problems,
    ).toEqual([
      '{{ data..x }} is not a path of the event (e.g. {{ data.outputs[0].object }})',
      '{{ 1abc }} is not a path of the event (e.g. {{ data.outputs[0].object }})',
      '"x {{ data.tag" has an unclosed {{',
      '{{  }} is not a path of the event (e.g. {{ data.outputs[0].object }})',
    ]);
  });

  it('leaves strings without templates, numbers and booleans as they are', () => {
    const rule = { a: 'plain ${Number}', b: 10, c: false, d: null };
    expect(compileTemplates(rule).render(event)).toEqual(rule);
  });
});
