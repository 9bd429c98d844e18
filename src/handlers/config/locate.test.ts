import { afterAll, describe, expect, it } from 'vitest';
import { configFolders, failureIn, matching } from './test-files.js';

/** Lines and columns of problems, in YAML and JSON files: the place of the value, or of the nearest parent. */

const folders = configFolders();
afterAll(folders.cleanup);

/** `path @line:column` of every problem of `text` written as `name`. */
async function places(name: string, text: string): Promise<string[]> {
  const error = await failureIn(await folders.folder({ [name]: text }));
  return error.issues.map((i) => `${i.path} @${i.line ?? '-'}:${i.column ?? '-'}`);
}

describe('YAML', () => {
  it('places a problem at its value, however deep', async () => {
    const text = `handlers:
  - name: one
    on: { type: "*" }
    forward: { url: "https://x.example" }
  - name: two
    forward: { url: "https://x.example" }
    on:
      type:
        - tencent.ci.job.*
        - ""
      data:
        tag: { a: 1 }
`;
    expect(await places('jobhook.config.yaml', text)).toEqual([
      'handlers[1].on.type[1] @10:11',
      'handlers[1].on.data.tag @12:14',
    ]);
  });

  it('places a missing key at the nearest parent the file has', async () => {
    const text = `subscriptions:
  - queue: a
    on: { type: "*" }

  - verify: false
    on: { type: "*" }
`;
    // subscriptions[1].queue is missing: the entry's map starts at its first key.
    expect(await places('jobhook.config.yaml', text)).toEqual(['subscriptions[1].queue @5:5']);
  });

  it('places an unknown key at the key itself', async () => {
    const text = `handlers:
  - name: one
    on: { type: "*", sourc: x }
    forward:
      url: "https://x.example"
      secrte: abc
`;
    expect(await places('jobhook.config.yaml', text)).toEqual([
      'handlers[0].on @3:22',
      'handlers[0].forward @6:7',
    ]);
  });

  it.each([
    ['a sequence item without -', 'handlers:\n  - name: a\n   on: x\n', 3, 'not valid YAML: '],
    ['an unclosed flow sequence', 'subscriptions: [\n  { queue: a }\n', 3, 'not valid YAML: '],
    [
      'a duplicate key',
      'handlers: []\nsubscriptions: []\nhandlers: []\n',
      3,
      'not valid YAML: Map keys must be unique',
    ],
    ['a tab as indentation', 'handlers:\n\t- name: a\n', 2, 'not valid YAML: '],
    ['an unclosed quote', 'handlers:\n  - name: "a\n', 3, 'not valid YAML: '],
  ])('places a syntax error (%s) at its line', async (_, text, line, start) => {
    const error = await failureIn(await folders.folder({ 'jobhook.config.yml': text }));
    expect(error.issues[0]).toMatchObject({ path: '', line, message: matching(`^${start}`) });
    // The message is one line, and does not say the line a second time.
    expect(error.issues[0]?.message).not.toMatch(/\n|at line/);
  });
});

describe('JSON', () => {
  it('places problems with the YAML document of the same text', async () => {
    const text = `{
  "handlers": [
    { "name": "ok", "on": { "type": "*" }, "forward": { "url": "https://x.example" } },
    {
      "name": "bad",
      "on": { "type": "*" },
      "forward": { "url": "https://x.example", "timeout": "soon" }
    },
    { "on": { "type": "*" }, "forward": { "url": "https://x.example" }, "extra": 1 }
  ]
}`;
    expect(await places('jobhook.config.json', text)).toEqual([
      'handlers[1].forward.timeout @7:59',
      'handlers[2].name @9:5',
      'handlers[2] @9:73',
    ]);
  });

  it.each([
    ['a trailing comma', '{\n  "handlers": [],\n}\n', 3, 1],
    ['a missing comma', '{\n  "handlers": [\n    {} {}\n  ]\n}\n', 3, 8],
    ['a single quote', "{\n  'handlers': []\n}\n", 2, 3],
  ])('places a syntax error (%s) at its line', async (_, text, line, column) => {
    const error = await failureIn(await folders.folder({ 'jobhook.config.json': text }));
    expect(error.issues).toEqual([{ path: '', message: matching(/^not valid JSON: [^\n]+$/), line, column }]);
  });

  it('claims no wrong line where JSON.parse does not say one', async () => {
    // Node 20 says "Unexpected token '}'" with no position (later versions add one); the YAML reading of the text
    // finds nothing wrong: the problem has no line then, or the right one.
    const error = await failureIn(await folders.folder({ 'jobhook.config.json': '{\n  "handlers":\n}\n' }));
    expect(error.issues).toEqual([
      expect.objectContaining({ path: '', message: matching(/^not valid JSON: /) }),
    ]);
    expect([undefined, 3]).toContain(error.issues[0]?.line);
  });
});
