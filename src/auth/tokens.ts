import { timingSafeEqual } from 'node:crypto';

/**
 * Accepts any of several tokens (rotation), comparing in constant time without hashing: the candidate's UTF-8
 * bytes are written into one zero-filled buffer as long as the longest token plus one byte, and compared with
 * every token, zero-padded to the same length, whatever matched before. How long a comparison takes depends on
 * no byte of any token; a candidate longer than the buffer is cut there and cannot match (the byte lengths must
 * be equal too).
 */
export class TokenVerifier {
  private readonly tokens: readonly { readonly padded: Buffer; readonly bytes: number }[];
  /** The candidate's bytes, reused: verify() is synchronous. */
  private readonly scratch: Buffer;

  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new TypeError('TokenVerifier needs at least one token');
    const size = Math.max(...tokens.map((token) => Buffer.byteLength(token))) + 1;
    this.scratch = Buffer.alloc(size);
    this.tokens = tokens.map((token) => {
      const padded = Buffer.alloc(size);
      return { padded, bytes: padded.write(token) };
    });
  }

  verify(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === '') return false;
    const { scratch } = this;
    scratch.fill(0);
    scratch.write(candidate);
    const bytes = Buffer.byteLength(candidate);
    let match = false;
    for (const token of this.tokens) {
      const same = timingSafeEqual(scratch, token.padded);
      match = (same && bytes === token.bytes) || match;
    }
    return match;
  }
}

/** The token of a request: query `token`, header `X-Jobhook-Token`, or `Authorization: Bearer <token>`. */
export function presentedToken(
  queryToken: string | undefined,
  header: (name: string) => string | undefined,
): string | undefined {
  if (queryToken !== undefined && queryToken !== '') return queryToken;
  const direct = header('x-jobhook-token');
  if (direct !== undefined && direct !== '') return direct;
  const authorization = header('authorization');
  if (authorization !== undefined && /^bearer /i.test(authorization)) return authorization.slice(7).trim();
  return undefined;
}

/** One query parameter of a request target (`/path?a=1&token=…`), decoded like URLSearchParams; fast when plain. */
export function queryParam(target: string, name: string): string | undefined {
  const query = target.indexOf('?');
  if (query < 0) return undefined;
  const key = `${name}=`;
  for (let at = query + 1; at < target.length;) {
    let end = target.indexOf('&', at);
    if (end < 0) end = target.length;
    if (target.startsWith(key, at)) {
      const raw = target.slice(at + key.length, end);
      return /[%+]/.test(raw) ? (new URLSearchParams(`${key}${raw}`).get(name) ?? undefined) : raw;
    }
    at = end + 1;
  }
  return undefined;
}
