import { JobhookError } from '../errors.js';

/**
 * A strict, small XML reader for callback documents: elements and text only, in one pass.
 *
 * - Well-formedness is checked while reading (matched tags, one root, nothing but comments, processing
 *   instructions and white space around it), so a truncated document is an error, never a partial object.
 * - No document type declaration is accepted, so no DTD, entity declaration or external entity is ever
 *   processed; only the five predefined entities and numeric character references are decoded, any other
 *   reference is an error.
 * - Depth and element count are bounded.
 * - Attributes are checked for syntax and ignored (callbacks carry none).
 * - Objects have no prototype, so element names such as `__proto__` are plain keys.
 *
 * Why not fast-xml-parser: see docs/performance.md (it leaves numeric references undecoded, accepts undefined
 * entities and several roots, and needs a second validation pass to reject truncated input).
 */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export interface XmlLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 50_000 };

export interface XmlDocument {
  readonly root: string;
  readonly value: XmlValue;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

const malformed = (message: string): JobhookError => new JobhookError('MalformedXML', message);

const NON_BLANK = /[^ \t\r\n]/;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Name characters: ASCII letters, digits, `_ : . -` and everything above 0x7f (checked loosely). */
const isNameChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  c === 0x5f ||
  c === 0x3a ||
  c === 0x2e ||
  c === 0x2d ||
  c > 0x7f;

const isNameStart = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c > 0x7f;

interface Frame {
  name: string;
  children: XmlObject | undefined;
  text: string;
}

/** Characters XML 1.0 does not allow in a document, even written literally (§2.2). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function parseXml(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlDocument {
  const forbidden = FORBIDDEN.exec(xml);
  if (forbidden !== null)
    throw malformed(
      `character U+${forbidden[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in XML (offset ${forbidden.index})`,
    );
  return new Reader(xml, limits).document();
}

class Reader {
  private pos = 0;
  private elements = 0;
  /** The name of the element `element()` read last. */
  private lastName = '';
  private readonly stack: Frame[] = [];

  constructor(
    private readonly src: string,
    private readonly limits: XmlLimits,
  ) {}

  document(): XmlDocument {
    this.misc(true);
    if (this.pos >= this.src.length) throw malformed('no root element');
    const value = this.element();
    const rootName = this.lastName;
    this.misc(false);
    if (this.pos < this.src.length) throw malformed(`content after the root element at offset ${this.pos}`);
    return { root: rootName, value };
  }

  /** Comments, processing instructions and white space outside the root. */
  private misc(prolog: boolean): void {
    const src = this.src;
    for (;;) {
      while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
      if (this.pos >= src.length || src.charCodeAt(this.pos) !== LT) {
        if (this.pos < src.length) throw malformed(`text outside the root element at offset ${this.pos}`);
        return;
      }
      const next = src.charCodeAt(this.pos + 1);
      if (next === QUESTION) this.processingInstruction();
      else if (next === BANG) {
        if (src.startsWith('<!--', this.pos)) this.comment();
        else if (src.startsWith('<!DOCTYPE', this.pos) || src.startsWith('<!doctype', this.pos))
          throw malformed('a document type declaration (<!DOCTYPE) is not allowed');
        else throw malformed(`unexpected markup at offset ${this.pos}`);
      } else {
        if (!prolog) throw malformed(`a second root element at offset ${this.pos}`);
        return;
      }
    }
  }

  private processingInstruction(): void {
    const end = this.src.indexOf('?>', this.pos + 2);
    if (end < 0) throw malformed('unterminated processing instruction');
    this.pos = end + 2;
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw malformed('unterminated comment');
    this.pos = end + 3;
  }

  private readName(): string {
    const src = this.src;
    const start = this.pos;
    if (start >= src.length || !isNameStart(src.charCodeAt(start)))
      throw malformed(`invalid element name at offset ${start}`);
    let end = start + 1;
    while (end < src.length && isNameChar(src.charCodeAt(end))) end++;
    this.pos = end;
    return src.slice(start, end);
  }

  /** Reads `<name attr="…">…</name>` or `<name/>` starting at `<`; returns its value. */
  private element(): XmlValue {
    if (++this.elements > this.limits.maxElements)
      throw new JobhookError('TooManyElements', `more than ${this.limits.maxElements} XML elements`);
    if (this.stack.length >= this.limits.maxDepth)
      throw new JobhookError('BodyTooDeep', `XML nested deeper than ${this.limits.maxDepth} elements`);
    this.pos++; // <
    const name = this.readName();
    if (this.startTagRest()) {
      this.lastName = name;
      return '';
    }
    const frame: Frame = { name, children: undefined, text: '' };
    this.stack.push(frame);
    this.content(frame);
    this.stack.pop();
    this.lastName = name;
    if (frame.children === undefined) return frame.text;
    if (frame.text.trim() !== '') frame.children['#text'] = frame.text;
    return frame.children;
  }

  /** Skips attributes (checking each name is used once); returns true for an empty-element tag `/>`. */
  private startTagRest(): boolean {
    const src = this.src;
    let names: Set<string> | undefined;
    for (;;) {
      const start = this.pos;
      while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
      if (this.pos >= src.length) throw malformed('unterminated start tag');
      const c = src.charCodeAt(this.pos);
      if (c === GT) {
        this.pos++;
        return false;
      }
      if (c === SLASH) {
        if (src.charCodeAt(this.pos + 1) !== GT) throw malformed(`expected '/>' at offset ${this.pos}`);
        this.pos += 2;
        return true;
      }
      if (this.pos === start)
        throw malformed(`expected white space before an attribute at offset ${this.pos}`);
      const name = this.attribute();
      names ??= new Set();
      if (names.has(name)) throw malformed(`attribute '${name.slice(0, 64)}' given twice at offset ${start}`);
      names.add(name);
    }
  }

  /** Reads `name="value"` (checked, not kept); returns the name. */
  private attribute(): string {
    const src = this.src;
    const name = this.readName();
    while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
    if (src.charCodeAt(this.pos) !== 0x3d)
      throw malformed(`expected '=' in an attribute at offset ${this.pos}`);
    this.pos++;
    while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
    const quote = src.charCodeAt(this.pos);
    if (quote !== 0x22 && quote !== 0x27)
      throw malformed(`expected a quoted attribute value at offset ${this.pos}`);
    const end = src.indexOf(quote === 0x22 ? '"' : "'", this.pos + 1);
    if (end < 0) throw malformed('unterminated attribute value');
    const raw = src.slice(this.pos + 1, end);
    if (raw.includes('<')) throw malformed(`'<' in an attribute value at offset ${this.pos}`);
    if (raw.includes('&')) decodeReferences(raw);
    this.pos = end + 1;
    return name;
  }

  private content(frame: Frame): void {
    const src = this.src;
    for (;;) {
      const lt = src.indexOf('<', this.pos);
      if (lt < 0) throw malformed(`unclosed element <${frame.name}>`);
      if (lt > this.pos) {
        const raw = src.slice(this.pos, lt);
        // White space between child elements is layout, not content: skip building it up.
        if (frame.children === undefined || NON_BLANK.test(raw)) frame.text += text(raw);
      }
      this.pos = lt;
      const next = src.charCodeAt(lt + 1);
      if (next === SLASH) {
        this.pos = lt + 2;
        const end = this.pos + frame.name.length;
        if (src.startsWith(frame.name, this.pos) && !isNameChar(src.charCodeAt(end))) this.pos = end;
        else throw malformed(`end tag </${this.readName()}> does not match <${frame.name}>`);
        while (this.pos < src.length && isSpace(src.charCodeAt(this.pos))) this.pos++;
        if (src.charCodeAt(this.pos) !== GT) throw malformed(`unterminated end tag </${frame.name}>`);
        this.pos++;
        return;
      }
      if (next === BANG) {
        if (src.startsWith('<![CDATA[', lt)) {
          const end = src.indexOf(']]>', lt + 9);
          if (end < 0) throw malformed('unterminated CDATA section');
          frame.text += normalizeNewlines(src.slice(lt + 9, end));
          this.pos = end + 3;
        } else if (src.startsWith('<!--', lt)) this.comment();
        else throw malformed(`unexpected markup at offset ${lt}`);
        continue;
      }
      if (next === QUESTION) {
        this.processingInstruction();
        continue;
      }
      const value = this.element();
      const childName = this.lastName;
      const children = (frame.children ??= Object.create(null) as XmlObject);
      const existing = children[childName];
      if (existing === undefined) children[childName] = value;
      else if (Array.isArray(existing) && repeated.has(existing)) existing.push(value);
      else {
        const list = [existing, value];
        repeated.add(list);
        children[childName] = list;
      }
    }
  }
}

/** Arrays this reader made for repeated elements (an element's own value is never an array). */
const repeated = new WeakSet<XmlValue[]>();

/** Character data: literal line ends normalized first (§2.11), then references decoded (so `&#13;` stays CR). */
function text(raw: string): string {
  if (raw.includes(']]>')) throw malformed("']]>' in text");
  const value = normalizeNewlines(raw);
  return value.includes('&') ? decodeReferences(value) : value;
}

const normalizeNewlines = (s: string): string => (s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s);

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** Decodes the five predefined entities and numeric character references; anything else is an error. */
export function decodeReferences(raw: string): string {
  let out = '';
  let last = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', last)) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12)
      throw malformed(`unterminated reference near '${raw.slice(amp, amp + 12)}'`);
    const ref = raw.slice(amp + 1, semi);
    let decoded: string | undefined;
    if (ref.charCodeAt(0) === 0x23) decoded = numericReference(ref);
    else decoded = PREDEFINED[ref];
    if (decoded === undefined)
      throw malformed(`undefined entity '&${ref};' (only the XML predefined entities are allowed)`);
    out += raw.slice(last, amp) + decoded;
    last = semi + 1;
  }
  return out + raw.slice(last);
}

function numericReference(ref: string): string | undefined {
  const hex = ref.charCodeAt(1) === 0x78;
  const digits = ref.slice(hex ? 2 : 1);
  if (digits === '' || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  const valid =
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff);
  return valid ? String.fromCodePoint(code) : undefined;
}
