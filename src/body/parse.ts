import { JobhookError } from '../errors.js';
import type { ParsedDocument } from '../providers/types.js';
import type { BodyFormat } from './decode.js';
import { parseJsonObject } from './json.js';
import { DEFAULT_XML_LIMITS, parseXml, type XmlObject } from './xml.js';

export interface DocumentLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxDepth: DEFAULT_XML_LIMITS.maxDepth,
  maxElements: DEFAULT_XML_LIMITS.maxElements,
};

/** Parses decoded text into a document; throws the project's errors (MalformedXML, MalformedJSON, …). */
export function parseDocument(
  text: string,
  format: BodyFormat,
  limits = DEFAULT_DOCUMENT_LIMITS,
): ParsedDocument {
  if (format === 'json') {
    const content = parseJsonObject(text, { maxDepth: limits.maxDepth, maxValues: limits.maxElements * 2 });
    return { format, content };
  }
  const { root, value } = parseXml(text, limits);
  // A root holding only text (`<Response/>`) has no fields: an empty document, which no provider recognizes.
  const content: XmlObject = typeof value === 'string' || Array.isArray(value) ? {} : value;
  return { format, root, content };
}

/** A document held in a string (e.g. a TDMQ `msgBody`): format sniffed from its first non-blank character. */
export function parseEmbeddedDocument(text: string, limits = DEFAULT_DOCUMENT_LIMITS): ParsedDocument {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart().charAt(0);
  if (first === '<') return parseDocument(body, 'xml', limits);
  if (first === '{') return parseDocument(body, 'json', limits);
  throw new JobhookError('UnsupportedBody', 'the embedded document is neither XML nor a JSON object');
}
