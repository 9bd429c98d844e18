import { JobhookError } from '../../errors.js';
import { headerOf, type CallbackProvider, type ParsedDocument } from '../types.js';
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
      const authorization = headerOf(request, 'authorization');
      if (keys.length === 0 || authorization === undefined || !SIGNED.test(authorization)) return;
      const verdict = verifyQiniuAuthorization(
        authorization,
        {
          method: request.method,
          pathAndQuery: request.pathAndQuery,
          host: headerOf(request, 'host') ?? '',
          contentType: headerOf(request, 'content-type'),
          headers: new Map(Object.keys(request.headers).map((name) => [name, headerOf(request, name) ?? ''])),
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
