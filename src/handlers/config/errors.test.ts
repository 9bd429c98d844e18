import { describe, expect, it } from 'vitest';
import { ConfigFileError, formatPath } from './errors.js';

describe('formatPath', () => {
  it('writes paths as a reader of the file would', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['handlers', 2, 'on', 'type'])).toBe('handlers[2].on.type');
    expect(formatPath(['handlers', 0, 'on', 'data', 'input.bucket'])).toBe(
      'handlers[0].on.data["input.bucket"]',
    );
    expect(formatPath(['handlers', 0, 'forward', 'headers', 'X-Stage'])).toBe(
      'handlers[0].forward.headers.X-Stage',
    );
    expect(formatPath(['options', 'a b', '', '0'])).toBe('options["a b"][""]["0"]');
    expect(formatPath([3, 'a'])).toBe('[3].a');
  });
});

describe('ConfigFileError', () => {
  it('names the file and each problem, with its place when known, in the order of the file', () => {
    const error = new ConfigFileError('/srv/jobhook.config.yaml', [
      { path: 'handlers[1].timeout', message: 'must be between 1ms and 1d', line: 9, column: 14 },
      { path: 'handlers[0].name', message: 'is missing', line: 2, column: 5 },
      { path: 'handlers[0].retry', message: 'unknown key "x"', line: 2, column: 30 },
      { path: '', message: 'not valid YAML: Map keys must be unique', line: 12, column: 1 },
      { path: 'subscriptions[0]', message: 'without a line' },
      { path: '', message: 'the file as a whole' },
    ]);
    expect(error.name).toBe('ConfigFileError');
    expect(error.file).toBe('/srv/jobhook.config.yaml');
    expect(error.message).toBe(`/srv/jobhook.config.yaml: 6 problems
  handlers[0].name (line 2, column 5): is missing
  handlers[0].retry (line 2, column 30): unknown key "x"
  handlers[1].timeout (line 9, column 14): must be between 1ms and 1d
  line 12, column 1: not valid YAML: Map keys must be unique
  subscriptions[0]: without a line
  the file as a whole`);
    expect(error.issues.map((i) => i.message)).toEqual([
      'is missing',
      'unknown key "x"',
      'must be between 1ms and 1d',
      'not valid YAML: Map keys must be unique',
      'without a line',
      'the file as a whole',
    ]);
  });

  it('says 1 problem, and a line without a column', () => {
    expect(new ConfigFileError('f.json', [{ path: 'a', message: 'b', line: 3 }]).message).toBe(
      'f.json: 1 problem\n  a (line 3): b',
    );
  });
});
