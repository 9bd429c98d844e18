import { parseEmbeddedDocument, type DocumentLimits } from '../../body/parse.js';
import { isJobhookError } from '../../errors.js';
import type { JsonObject } from '../../body/json.js';
import { unrecognized, type CallbackProvider, type ParsedDocument, type RawRequest } from '../types.js';

const MESSAGE_ID_HEADER = 'x-cmq-message-id';

/** The CMQ topic push envelope `{TopicOwner, topicName, subscriptionName, msgId, msgBody, publishTime}`. */
const isEnvelope = (doc: ParsedDocument): doc is { format: 'json'; content: JsonObject } =>
  doc.format === 'json' &&
  typeof doc.content.msgBody === 'string' &&
  ('msgId' in doc.content || 'topicName' in doc.content || 'TopicOwner' in doc.content);

const headerMessageId = (request: RawRequest): string | undefined => {
  const id = request.headers[MESSAGE_ID_HEADER];
  return id === undefined || id === '' ? undefined : id.slice(0, 256);
};

/**
 * TDMQ (CMQ) topic subscriptions pushing to HTTP (formats.md §2.4): the JSON envelope whose `msgBody` string is
 * a CI callback, or SIMPLIFIED mode, the raw CI callback with the message id in `x-cmq-message-id`.
 */
export function createTdmqProvider(ci: CallbackProvider, limits: DocumentLimits): CallbackProvider {
  return {
    route: 'tdmq',
    detect: (doc, request) => isEnvelope(doc) || (headerMessageId(request) !== undefined && ci.detect(doc, request)),
    normalize(doc, request, delivery) {
      if (!isEnvelope(doc))
        return ci.normalize(doc, request, { ...delivery, channel: 'tdmq', tdmqMsgId: headerMessageId(request) });
      const { msgId, msgBody } = doc.content;
      const tdmqMsgId =
        typeof msgId === 'string' || typeof msgId === 'number' ? String(msgId) : headerMessageId(request);
      let inner: ParsedDocument;
      try {
        inner = parseEmbeddedDocument(String(msgBody), limits);
      } catch (error) {
        if (isJobhookError(error)) return unrecognized(`TDMQ msgBody: ${error.code}: ${error.message}`);
        throw error;
      }
      return ci.normalize(inner, request, { ...delivery, channel: 'tdmq', tdmqMsgId });
    },
  };
}
