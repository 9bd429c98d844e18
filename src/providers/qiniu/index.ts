import { JobhookError } from '../../errors.js';
import type { CallbackProvider, ParsedDocument } from '../types.js';
import { normalizeQiniu } from './normalize.js';
import { verifyQiniuAuthorization, type QiniuKey } from './signature.js';

const looksLikeQiniu = (doc: ParsedDocument): boolean => {
  if (doc.format !== 'json') return false;
  const c = doc.content;
  return (
    'id' in c && 'code' in c && ('items' in c || 'inputKey' in c || 'inputBucket' in c || c.version === 'v3')
  );
};

const SIGNED = /^(qbox|qiniu) /i;

/**
 * Qiniu persistent-processing (pfop) notifications (formats.md §3). When Qiniu keys are configured, an
 * `Authorization: QBox …` or `Qiniu …` header is verified over the raw bytes; it adds to the token check.
 */
export function createQiniuProvider(keys: readonly QiniuKey[]): CallbackProvider {
  return {
    route: 'qiniu',
    detect: looksLikeQiniu,
    verify(request) {
      const authorization = request.headers.authorization;
      if (keys.length === 0 || authorization === undefined || !SIGNED.test(authorization)) return;
      const verdict = verifyQiniuAuthorization(
        authorization,
        {
          method: request.method,
          pathAndQuery: request.pathAndQuery,
          host: request.headers.host ?? '',
          contentType: request.headers['content-type'],
          headers: request.headers,
          body: request.body,
        },
        keys,
      );
      if (!verdict.ok)
        throw new JobhookError('InvalidSignature', `the Qiniu signature does not verify (${verdict.reason})`);
    },
    normalize: (doc, _request, delivery) => normalizeQiniu(doc.content, delivery),
  };
}
