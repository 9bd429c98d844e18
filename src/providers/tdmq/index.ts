import { parseEmbeddedDocument, type DocumentLimits } from '../../body/parse.js';
import { isJobhookError } from '../../errors.js';
import {
  headerOf,
  unrecognized,
  type CallbackProvider,
  type ParsedDocument,
  type RawRequest,
} from '../types.js';

const MESSAGE_ID_HEADER = 'x-cmq-message-id';

/** The CMQ topic push envelope `{TopicOwner, topicName, subscriptionName, msgId, msgBody, publishTime}`. */
interface Envelope {
  readonly msgBody: string;
  readonly msgId: string | undefined;
}

function envelope(doc: ParsedDocument): Envelope | undefined {
  if (doc.format !== 'json') return undefined;
  const { msgBody, msgId } = doc.content;
  if (typeof msgBody !== 'string') return undefined;
  if (!('msgId' in doc.content || 'topicName' in doc.content || 'TopicOwner' in doc.content))
    return undefined;
  return {
    msgBody,
    msgId: typeof msgId === 'string' || typeof msgId === 'number' ? String(msgId) : undefined,
  };
}

const headerMessageId = (request: RawRequest): string | undefined => {
  const id = headerOf(request, MESSAGE_ID_HEADER);
  return id === undefined || id === '' ? undefined : id.slice(0, 256);
};

/**
 * TDMQ (CMQ) topic subscriptions pushing to HTTP (formats.md §2.4): the JSON envelope whose `msgBody` string is
 * a CI callback, or SIMPLIFIED mode, the raw CI callback with the message id in `x-cmq-message-id`.
 */
export function createTdmqProvider(ci: CallbackProvider, limits: DocumentLimits): CallbackProvider {
  return {
    route: 'tdmq',
    detect: (doc, request) =>
      envelope(doc) !== undefined || (headerMessageId(request) !== undefined && ci.detect(doc, request)),
    normalize(doc, request, delivery) {
      const pushed = envelope(doc);
      const tdmqMsgId = pushed?.msgId ?? headerMessageId(request);
      if (pushed === undefined)
        return ci.normalize(doc, request, { ...delivery, channel: 'tdmq', tdmqMsgId });
      let inner: ParsedDocument;
      try {
        inner = parseEmbeddedDocument(pushed.msgBody, limits);
      } catch (error) {
        if (isJobhookError(error)) return unrecognized(`TDMQ msgBody: ${error.code}: ${error.message}`);
        throw error;
      }
      return ci.normalize(inner, request, { ...delivery, channel: 'tdmq', tdmqMsgId });
    },
  };
}
