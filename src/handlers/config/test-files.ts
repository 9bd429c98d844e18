import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfigFile, type LoadedConfig, type LoadOptions } from './load.js';

/** Temporary folders of configuration files for tests; `cleanup` removes every one made. */
export function configFolders() {
  const made: string[] = [];
  return {
    /** A new folder holding `files` (name → text; names may have folders). */
    folder: async (files: Readonly<Record<string, string>>): Promise<string> => {
      const root = await mkdtemp(join(tmpdir(), 'jobhook-config-'));
      made.push(root);
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, name)), { recursive: true });
        await writeFile(join(root, name), text);
      }
      return root;
    },
    cleanup: async (): Promise<void> => {
      await Promise.all(made.splice(0).map((root) => rm(root, { recursive: true, force: true })));
    },
  };
}

export type LoadIn = Omit<LoadOptions, 'cwd' | 'env'> & { readonly env?: LoadOptions['env'] };

/** `loadConfigFile` in `cwd`, with an empty environment unless one is given. */
export const loadIn = (cwd: string, options: LoadIn = {}): Promise<LoadedConfig | undefined> =>
  loadConfigFile({ env: {}, ...options, cwd });

/** The ConfigFileError `loadIn` rejects with (a test fails when it resolves or rejects with anything else). */
export async function failureIn(cwd: string, options: LoadIn = {}): Promise<ConfigFileError> {
  try {
    await loadIn(cwd, options);
  } catch (error) {
    if (error instanceof ConfigFileError) return error;
    throw error;
  }
  throw new Error('the configuration loaded, where a ConfigFileError was expected');
}

/** `expect.stringMatching`, typed as what it is to an object literal (not `any`). */
export const matching = (pattern: RegExp | string): unknown => expect.stringMatching(pattern);
