import { access, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { substituteEnv, type Unset } from './env.js';
import { ConfigFileError, formatPath, type ConfigIssue } from './errors.js';
import { ConfigFileSchema, ModuleExportSchema, type ConfigFile, type HandlerEntry } from './schema.js';

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

/**
 * Finds, reads, substitutes and validates the configuration file, and loads the modules it names (once). Resolves
 * undefined when there is no file; throws ConfigFileError naming the file and every problem.
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
  const parsed = ConfigFileSchema.safeParse(substituted);
  if (!parsed.success)
    for (const zodIssue of parsed.error.issues)
      problems.push(issue(zodIssue.path, describe(zodIssue), locate));
  if (problems.length > 0 || !parsed.success) throw new ConfigFileError(file, problems);

  const handlers: LoadedEntry[] = [];
  for (const [i, entry] of parsed.data.handlers.entries()) {
    if (entry.module === undefined) {
      handlers.push({ entry });
      continue;
    }
    const path = isAbsolute(entry.module) ? entry.module : resolve(dirname(file), entry.module);
    const loaded = await loadModule(path);
    if ('problem' in loaded) problems.push(issue(['handlers', i, 'module'], loaded.problem, locate));
    else handlers.push({ entry, module: { path, exported: loaded.exported } });
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return { file, config: parsed.data, handlers };
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
    throw new ConfigFileError(join(options.cwd, present[0] ?? ''), [
      {
        path: '',
        message: `several configuration files are present (${present.join(', ')}): keep one, or name it in JOBHOOK_CONFIG`,
      },
    ]);
  return present[0] === undefined ? undefined : join(options.cwd, present[0]);
}

type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

/** The file's value, and for JSON and YAML a way to find the line of a path in it. */
async function readConfigValue(file: string): Promise<{ value: unknown; locate: Locate }> {
  const kind = extname(file).toLowerCase();
  const none: Locate = () => undefined;
  if (kind === '.mjs' || kind === '.js') {
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
    } catch (error) {
      throw new ConfigFileError(file, [
        { path: '', message: `the module does not load: ${messageOf(error)}` },
      ]);
    }
    if (exported === undefined)
      throw new ConfigFileError(file, [
        { path: '', message: 'the module has no default export (export default defineConfig({ … }))' },
      ]);
    return { value: exported, locate: none };
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
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const locate: Locate = (path) => locateIn(doc, lines, path);
  if (kind === '.json') {
    try {
      return { value: JSON.parse(text) as unknown, locate };
    } catch (error) {
      throw new ConfigFileError(file, [{ path: '', message: `not valid JSON: ${messageOf(error)}` }]);
    }
  }
  if (doc.errors.length > 0)
    throw new ConfigFileError(
      file,
      doc.errors.map((error) => ({
        path: '',
        message: `not valid YAML: ${error.message.split('\n')[0] ?? error.code}`,
        ...(error.linePos === undefined ? {} : { line: error.linePos[0].line, column: error.linePos[0].col }),
      })),
    );
  return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** The line and column of the deepest node of `path` that the document has. */
function locateIn(doc: Document, lines: LineCounter, path: readonly PropertyKey[]) {
  for (let end = path.length; end >= 0; end--) {
    const node = doc.getIn(path.slice(0, end), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) {
      const { line, col } = lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

async function loadModule(path: string): Promise<{ exported: ModuleExport } | { problem: string }> {
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
  } catch (error) {
    return { problem: `${path} does not load: ${messageOf(error)}` };
  }
  if (exported === undefined)
    return { problem: `${path} has no default export (export default defineHandler({ on, handle }))` };
  const checked = ModuleExportSchema.safeParse(exported);
  if (checked.success) return { exported: checked.data };
  return {
    problem: `the default export of ${path}: ${checked.error.issues
      .map((i) => (i.path.length === 0 ? describe(i) : `${formatPath(i.path)}: ${describe(i)}`))
      .join('; ')}`,
  };
}

function issue(path: readonly PropertyKey[], message: string, locate: Locate): ConfigIssue {
  const at = locate(path);
  return { path: formatPath(path), message, ...(at === undefined ? {} : at) };
}

/** A zod issue in words a configuration author understands. */
function describe(zodIssue: z.core.$ZodIssue): string {
  if (zodIssue.code === 'unrecognized_keys')
    return `unknown ${zodIssue.keys.length === 1 ? 'key' : 'keys'} ${zodIssue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return zodIssue.message;
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
