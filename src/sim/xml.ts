import { XMLBuilder } from 'fast-xml-parser';
import { JobhookError } from '../errors.js';
import { parseXml, type XmlObject } from '../body/xml.js';

/** A provider document as the simulator writes it: arrays become repeated elements, undefined is left out. */
export interface OutDoc {
  readonly [name: string]: string | number | OutDoc | readonly (string | OutDoc)[] | undefined;
}

// fast-xml-parser's builder is the project's chosen XML package (it delegates to fast-xml-builder, the same code).
// eslint-disable-next-line @typescript-eslint/no-deprecated
const builder = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: true, format: false });

/** `<root>…</root>` with an XML declaration, as CI and COS answer. */
export function renderXml(root: string, doc: OutDoc): string {
  const text: unknown = builder.build({ [root]: doc });
  if (typeof text !== 'string') throw new TypeError('XMLBuilder returned no text');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${text}`;
}

/** A request body: its root and content; ill-formed XML throws the project's `MalformedXML`. */
export function readXml(text: string): { root: string; content: XmlObject } {
  const { root, value } = parseXml(text);
  if (typeof value === 'string' || Array.isArray(value)) {
    if (typeof value === 'string' && value.trim() !== '')
      throw new JobhookError('MalformedXML', `<${root}> holds text, not elements`);
    return { root, content: {} };
  }
  return { root, content: value };
}
