import { hash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => hash('sha256', value, 'buffer');

/**
 * Accepts any of several tokens (rotation). Comparison is in constant time: candidate and tokens are hashed
 * to equal-length digests, and every token is compared, whatever matched before.
 */
export class TokenVerifier {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new TypeError('TokenVerifier needs at least one token');
    this.digests = tokens.map(digest);
  }

  verify(candidate: string | undefined): boolean {
    const presented = digest(candidate ?? '');
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(presented, known) || match;
    return match && candidate !== undefined && candidate !== '';
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
