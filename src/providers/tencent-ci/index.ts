import { unrecognized, type CallbackProvider, type ParsedDocument } from '../types.js';
import { normalizeCiDocument } from './normalize.js';

const looksLikeCi = (doc: ParsedDocument): boolean =>
  doc.format === 'xml'
    ? doc.root === 'Response'
    : 'EventName' in doc.content || 'JobsDetail' in doc.content || 'WorkflowExecution' in doc.content;

/** Tencent Cloud Infinite job and workflow callbacks, XML or JSON (formats.md §1). */
export const tencentCi: CallbackProvider = {
  route: 'tencent-ci',
  detect: looksLikeCi,
  normalize(doc, _request, delivery) {
    if (doc.format === 'xml' && doc.root !== 'Response')
      return unrecognized(`XML root <${doc.root.slice(0, 64)}> is not a CI callback (<Response>)`);
    const { content } = doc;
    if (doc.format === 'json' && 'data' in content && 'code' in content && !('JobsDetail' in content))
      return unrecognized('CI content-moderation callback ({code, message, data}) is not supported yet');
    return normalizeCiDocument(content, delivery);
  },
};
