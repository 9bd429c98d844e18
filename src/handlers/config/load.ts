import { access, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { isPlainObject, substituteEnv, type Unset } from './env.js';
import { FilterSchema } from '../filter.js';
import { ConfigFileError, formatPath, type ConfigIssue } from './errors.js';
import { locator, nowhere, positionAt, type Locate } from './locate.js';
import { configMessages, shown } from './messages.js';
import {
  ConfigFileSchema,
  ForwardSchema,
  HandlerEntrySchema,
  ModuleExportSchema,
  RetrySchema,
  SubscriptionSchema,
  type ConfigFile,
  type HandlerEntry,
} from './schema.js';

/** The names looked for in the working directory when `JOBHOOK_CONFIG` is not set, in this order. */
export const CONFIG_FILE_NAMES = [
  'jobhook.config.json',
  'jobhook.config.yaml',
  'jobhook.config.yml',
  'jobhook.config.mjs',
  'jobhook.config.js',
] as const;

export interface LoadOptions {
  /** `JOBHOOK_CONFIG`: the file to use (relative to `cwd`); it must exist. */
  readonly path?: string | undefined;
  readonly cwd: string;
  /** For `${NAME}` substitution. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A module handler's default export, checked. */
export type ModuleExport = z.output<typeof ModuleExportSchema>;

/** A handler entry with its module loaded (for `module:` entries) and its module path made absolute. */
export interface LoadedEntry {
  readonly entry: HandlerEntry;
  readonly module?: { readonly path: string; readonly exported: ModuleExport };
}

export interface LoadedConfig {
  readonly file: string;
  readonly config: ConfigFile;
  readonly handlers: readonly LoadedEntry[];
}

type LoadedModule = { readonly path: string; readonly exported: ModuleExport } | { readonly problem: string };

/**
 * Finds, reads, substitutes and validates the configuration file, and loads the modules it names (each once).
 * Resolves undefined when there is no file; throws ConfigFileError naming the file and every problem — those of
 * the modules too, even when the file has others.
 */
export async function loadConfigFile(options: LoadOptions): Promise<LoadedConfig | undefined> {
  const file = await findConfigFile(options);
  if (file === undefined) return undefined;
  const { value, locate } = await readConfigValue(file);
  const unset: Unset[] = [];
  const substituted = substituteEnv(value, options.env, unset);
  const problems: ConfigIssue[] = unset.map((u) =>
    issue(u.path, `the environment variable ${u.variable} is not set`, locate),
  );
  // A value with an unset variable fails its own checks too (a secret `${SECRET}` is not base64): said once.
  const unsetAt = new Set(unset.map((u) => formatPath(u.path)));
  for (const path of protoKeys(substituted))
    problems.push({
      path: formatPath(path),
      message: 'a key may not be "__proto__"',
      ...locate(path, '__proto__'),
    });
  const parsed = ConfigFileSchema.safeParse(substituted, { error: configMessages });
  if (!parsed.success)
    for (const zodIssue of parsed.error.issues)
      if (!unsetAt.has(formatPath(zodIssue.path))) problems.push(...issuesOf(zodIssue, locate));

  const entries =
    isPlainObject(substituted) && Array.isArray(substituted.handlers) ? substituted.handlers : [];
  const modules = await loadModules(entries, dirname(file));
  problems.push(...entryProblems(entries, modules, locate));
  if (problems.length > 0 || !parsed.success) throw new ConfigFileError(file, problems);

  const handlers = parsed.data.handlers.map((entry, i): LoadedEntry => {
    const loaded = modules.get(i);
    return loaded === undefined || 'problem' in loaded
      ? { entry }
      : { entry, module: { path: loaded.path, exported: loaded.exported } };
  });
  return { file, config: parsed.data, handlers };
}

/** What the modules of the entries say: that one cannot be used, or that an entry has no filter in either. */
function entryProblems(
  entries: readonly unknown[],
  modules: ReadonlyMap<number, LoadedModule>,
  locate: Locate,
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  entries.forEach((entry, i) => {
    if (!isPlainObject(entry)) return;
    const loaded = modules.get(i);
    if (loaded !== undefined && 'problem' in loaded)
      problems.push(issue(['handlers', i, 'module'], loaded.problem, locate));
    else if (entry.on === undefined && (loaded === undefined || loaded.exported.on === undefined))
      problems.push(
        issue(
          ['handlers', i, 'on'],
          loaded === undefined
            ? 'a handler needs a filter: on: { type: … }'
            : `a handler needs a filter: on: { type: … } here or in the default export of ${loaded.path}`,
          locate,
        ),
      );
  });
  return problems;
}

async function findConfigFile(options: LoadOptions): Promise<string | undefined> {
  if (options.path !== undefined && options.path !== '') {
    const file = resolve(options.cwd, options.path);
    if (!(await exists(file)))
      throw new ConfigFileError(file, [
        { path: '', message: 'JOBHOOK_CONFIG names this file, which does not exist' },
      ]);
    return file;
  }
  const present: string[] = [];
  for (const name of CONFIG_FILE_NAMES) if (await exists(join(options.cwd, name))) present.push(name);
  if (present.length > 1)
    throw new ConfigFileError(options.cwd, [
      {
        path: '',
        message: `several configuration files are here (${present.join(', ')}): keep one, or name it in JOBHOOK_CONFIG`,
      },
    ]);
  return present[0] === undefined ? undefined : join(options.cwd, present[0]);
}

/** The file's value, and for JSON and YAML a way to find the line of a path in it. */
async function readConfigValue(file: string): Promise<{ value: unknown; locate: Locate }> {
  const kind = extname(file).toLowerCase();
  if (kind === '.mjs' || kind === '.js') {
    const imported = await importDefault(file);
    if ('problem' in imported) throw new ConfigFileError(file, [{ path: '', message: imported.problem }]);
    if (imported.exported === undefined)
      throw new ConfigFileError(file, [
        { path: '', message: 'the module has no default export (export default defineConfig({ … }))' },
      ]);
    return { value: imported.exported, locate: nowhere };
  }
  if (kind !== '.json' && kind !== '.yaml' && kind !== '.yml')
    throw new ConfigFileError(file, [
      { path: '', message: 'a configuration file is .json, .yaml, .yml, .mjs or .js' },
    ]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, [{ path: '', message: `cannot be read: ${messageOf(error)}` }]);
  }
  // YAML is read by the yaml package; JSON by JSON.parse (its meaning), and by the yaml package only to find lines.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const locate = locator(doc, lines);
  if (kind === '.json') {
    try {
      return { value: JSON.parse(text) as unknown, locate };
    } catch (error) {
      const offset = /at position (\d+)/.exec(messageOf(error))?.[1];
      // Node says where in characters (`at position 8`) or not at all; the YAML reading of the text may know.
      const where = offset === undefined ? doc.errors[0]?.pos[0] : Number(offset);
      throw new ConfigFileError(file, [
        {
          path: '',
          message: `not valid JSON: ${messageOf(error).replace(/\s+/g, ' ')}`,
          ...(where === undefined ? {} : positionAt(lines, where)),
        },
      ]);
    }
  }
  if (doc.errors.length > 0)
    throw new ConfigFileError(
      file,
      doc.errors.map((error) => ({
        path: '',
        message: `not valid YAML: ${error.message}`,
        ...positionAt(lines, error.pos[0]),
      })),
    );
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
  } catch (error) {
    throw new ConfigFileError(file, [{ path: '', message: `not usable YAML: ${messageOf(error)}` }]);
  }
}

/**
 * The modules the handler entries name, by entry index, each file imported and checked once: two entries naming
 * one module share its import (and its problem, when it has one).
 */
async function loadModules(entries: readonly unknown[], folder: string): Promise<Map<number, LoadedModule>> {
  const byPath = new Map<string, Promise<LoadedModule>>();
  const byEntry = new Map<number, LoadedModule>();
  for (const [i, entry] of entries.entries()) {
    const module = isPlainObject(entry) ? entry.module : undefined;
    if (typeof module !== 'string' || module === '') continue;
    const path = isAbsolute(module) ? module : resolve(folder, module);
    let loading = byPath.get(path);
    if (loading === undefined) {
      loading = loadModule(path);
      byPath.set(path, loading);
    }
    byEntry.set(i, await loading);
  }
  return byEntry;
}

async function loadModule(path: string): Promise<LoadedModule> {
  const imported = await importDefault(path);
  if ('problem' in imported) return imported;
  if (imported.exported === undefined)
    return { problem: `${path} has no default export (export default defineHandler({ on, handle }))` };
  const checked = ModuleExportSchema.safeParse(imported.exported, { error: configMessages });
  if (checked.success) return { path, exported: checked.data };
  const problems = checked.error.issues.flatMap((zodIssue) =>
    issuesOf(zodIssue, nowhere, MODULE_KEYS).map((i) =>
      i.path === '' ? i.message : `${i.path}: ${i.message}`,
    ),
  );
  return { problem: `the default export of ${path} is not a handler: ${problems.join('; ')}` };
}

async function importDefault(path: string): Promise<{ exported: unknown } | { problem: string }> {
  if (!(await exists(path))) return { problem: `${path} does not exist` };
  try {
    return { exported: ((await import(pathToFileURL(path).href)) as { default?: unknown }).default };
  } catch (error) {
    return { problem: `${path} does not load: ${messageOf(error)}` };
  }
}

/** The keys each strict object of the file knows, by the name it is found under (`handlers[2]`: handlers). */
const FILE_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(ConfigFileSchema.shape),
  handlers: Object.keys(HandlerEntrySchema.shape),
  subscriptions: Object.keys(SubscriptionSchema.shape),
  on: Object.keys(FilterSchema.shape),
  retry: Object.keys(RetrySchema.shape),
  forward: Object.keys(ForwardSchema.shape),
};
const MODULE_KEYS: Readonly<Record<string, readonly string[]>> = {
  ...FILE_KEYS,
  '': Object.keys(ModuleExportSchema.shape),
};

/** A zod issue as problems of the file: one a key for unknown keys (each located at the key itself). */
function issuesOf(
  zodIssue: z.core.$ZodIssue,
  locate: Locate,
  knownKeys: Readonly<Record<string, readonly string[]>> = FILE_KEYS,
): ConfigIssue[] {
  if (zodIssue.code !== 'unrecognized_keys') return [issue(zodIssue.path, zodIssue.message, locate)];
  // `__proto__` is refused on its own (protoKeys), in records too.
  const under = zodIssue.path.findLast((part): part is string => typeof part === 'string') ?? '';
  const known = knownKeys[under];
  const hint = known === undefined ? '' : ` (known here: ${known.join(', ')})`;
  return zodIssue.keys
    .filter((key) => key !== '__proto__')
    .map((key) => {
      const at = locate(zodIssue.path, key);
      return { path: formatPath(zodIssue.path), message: `unknown key ${shown(key)}${hint}`, ...at };
    });
}

/**
 * The objects of the file's value that have a `__proto__` key (JSON and YAML can write one). Zod leaves such a
 * key out of what it parses without a word in a record (`on.data`, `options`, `headers`), which would make a
 * filter match more than it says: refused everywhere instead.
 */
function protoKeys(value: unknown, path: (string | number)[] = [], found: (string | number)[][] = []) {
  if (Array.isArray(value)) value.forEach((item, i) => protoKeys(item, [...path, i], found));
  else if (isPlainObject(value))
    for (const [key, item] of Object.entries(value))
      if (key === '__proto__') found.push(path);
      else protoKeys(item, [...path, key], found);
  return found;
}

function issue(path: readonly PropertyKey[], message: string, locate: Locate): ConfigIssue {
  return { path: formatPath(path), message, ...locate(path) };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
