import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** `jobhook/<version>`, the version read once from the package's package.json (three folders up, in src and dist). */
export const USER_AGENT = `jobhook/${
  z
    .object({ version: z.string().min(1) })
    .parse(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))).version
}`;
