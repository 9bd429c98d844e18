import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredToken {
  readonly token: string;
  /** True when this start generated it. */
  readonly created: boolean;
  readonly path: string;
}

/** The token kept in the data directory; generated (256 random bits, mode 0600) when there is none. */
export async function loadOrCreateToken(dataDir: string): Promise<StoredToken> {
  const path = join(dataDir, 'token');
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token !== '') return { token, created: false, path };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if (isExists(error)) return loadOrCreateToken(dataDir);
    throw error;
  }
  return { token, created: true, path };
}

/** The token kept in the data directory, or undefined when there is none yet; never creates one. */
export async function readStoredToken(dataDir: string): Promise<string | undefined> {
  try {
    const token = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const isNotFound = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && error.code === 'ENOENT';
const isExists = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && error.code === 'EEXIST';
