/**
 * The benchmark's child programs (servers, load generator, worker) run as plain JavaScript under `node`, like a
 * deployed service: no TypeScript loader thread inflating their memory or start-up. They are transpiled once
 * per run into node_modules/.cache, where bare imports (hono, bullmq, autocannon) resolve from the project, and
 * imports of jobhook's own code (`../src/…`) from its build (`dist/`, which run.ts builds first).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export const CHILD_PROGRAMS = [
  'bare-server',
  'naive-receiver',
  'load',
  'worker',
  'naive-worker',
  'record-starts',
  'naive-chain',
] as const;
export type ChildProgram = (typeof CHILD_PROGRAMS)[number];

/** Transpiles bench/<name>.ts for every child program; returns the output directory. */
export async function compileChildren(benchDir: string, projectDir: string): Promise<string> {
  const out = join(projectDir, 'node_modules', '.cache', 'jobhook-bench');
  await mkdir(out, { recursive: true });
  // Inside node_modules the project's "type": "module" does not apply: declare it here.
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  const dist = pathToFileURL(join(projectDir, 'dist')).href;
  for (const name of CHILD_PROGRAMS) {
    const source = await readFile(join(benchDir, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: `${name}.ts`,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    await writeFile(join(out, `${name}.js`), outputText.replaceAll("from '../src/", `from '${dist}/`));
  }
  return out;
}
