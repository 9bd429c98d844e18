import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/thrown.js';
import type { ErrorCode } from '../errors.js';
import { decodeBody } from './decode.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))),
  );
const hex = (h: string): number[] => [...Buffer.from(h.replace(/\s+/g, ''), 'hex')];

const BOM = [0xef, 0xbb, 0xbf];
/** 中文 in GBK. */
const GBK_ZHONGWEN = hex('d6d0 cec4');

function utf16(text: string, littleEndian: boolean): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  if (!littleEndian) le.swap16();
  return new Uint8Array(Buffer.concat([Buffer.from(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]), le]));
}

const expectCode = (
  body: Uint8Array,
  contentType: string | undefined,
  code: ErrorCode,
  status: number,
): void => {
  const error = thrown(() => decodeBody(body, contentType));
  expect(error.code).toBe(code);
  expect(error.status).toBe(status);
};

describe('decodeBody: sniffing', () => {
  it.each([
    ['<', '<Response/>', 'xml'],
    ['{', '{"a":1}', 'json'],
    ['leading spaces before <', '   <Response/>', 'xml'],
    ['leading CRLF and tabs before {', '\r\n\t\r\n{"a":1}', 'json'],
    ['an XML declaration', '<?xml version="1.0"?><R/>', 'xml'],
    ['a comment first', '<!-- c --><R/>', 'xml'],
    ['broken XML (sniffing does not parse)', '<R', 'xml'],
    ['broken JSON (sniffing does not parse)', '{', 'json'],
  ] as const)('sniffs %s', (_what, text, format) => {
    const decoded = decodeBody(utf8(text), undefined);
    expect(decoded.format).toBe(format);
    expect(decoded.text).toBe(text);
  });

  it('skips a UTF-8 BOM and leaves it out of the text', () => {
    expect(decodeBody(bytes(BOM, '<R/>'), undefined)).toEqual({ format: 'xml', text: '<R/>' });
    expect(decodeBody(bytes(BOM, '\r\n {"a":1}'), undefined)).toEqual({
      format: 'json',
      text: '\r\n {"a":1}',
    });
  });

  it('ignores the Content-Type when sniffing (it is only a hint)', () => {
    expect(decodeBody(utf8('<R/>'), 'application/json').format).toBe('xml');
    expect(decodeBody(utf8('{"a":1}'), 'application/xml').format).toBe('json');
    expect(decodeBody(utf8('{"a":1}'), 'text/plain').format).toBe('json');
    expect(decodeBody(utf8('<R/>'), 'application/octet-stream').format).toBe('xml');
  });

  it.each([
    ['a JSON array', utf8('[{"EventName":"TaskFinish"}]')],
    ['a JSON string', utf8('"TaskFinish"')],
    ['a JSON number', utf8('42')],
    ['a negative JSON number', utf8('-1')],
    ['JSON true', utf8('true')],
    ['JSON null', utf8('null')],
    ['plain text', utf8('hello')],
    ['form data', utf8('a=1&b=2')],
    ['binary (PNG)', bytes(hex('89504e470d0a1a0a0000'))],
    ['a NUL first', bytes([0], '<R/>')],
    ['a vertical tab first', bytes([0x0b], '<R/>')],
    ['a non-breaking space first', utf8('\u00a0<R/>')],
    ['a BOM then an array', bytes(BOM, '[1]')],
    ['two BOMs', bytes(BOM, BOM, '<R/>')],
  ])('refuses %s with 415 UnsupportedBody', (_what, body) => {
    expectCode(body, undefined, 'UnsupportedBody', 415);
  });

  it.each([
    ['nothing', new Uint8Array(0)],
    ['white space', utf8(' \r\n\t ')],
    ['a BOM only', bytes(BOM)],
    ['a BOM and white space', bytes(BOM, '  \n')],
    ['a UTF-16 BOM only', bytes([0xff, 0xfe])],
    ['UTF-16 white space', utf16('  \n', true)],
  ])('refuses %s with 400 EmptyBody', (_what, body) => {
    expectCode(body, 'application/json', 'EmptyBody', 400);
  });
});

describe('decodeBody: character sets', () => {
  it('decodes UTF-8 by default', () => {
    expect(decodeBody(utf8('<R>中文 😀</R>'), undefined).text).toBe('<R>中文 😀</R>');
  });

  it('decodes GBK declared by the XML declaration', () => {
    const body = bytes('<?xml version="1.0" encoding="GBK"?><R>', GBK_ZHONGWEN, '</R>');
    expect(decodeBody(body, undefined)).toEqual({
      format: 'xml',
      text: '<?xml version="1.0" encoding="GBK"?><R>中文</R>',
    });
  });

  it('decodes a declaration written with single quotes and other spacing', () => {
    const body = bytes(`<?xml version='1.0' encoding = 'gbk' standalone='yes'?><R>`, GBK_ZHONGWEN, '</R>');
    expect(decodeBody(body, undefined).text).toContain('<R>中文</R>');
  });

  it('decodes GBK given by the Content-Type charset (XML without declaration, and JSON)', () => {
    expect(decodeBody(bytes('<R>', GBK_ZHONGWEN, '</R>'), 'text/xml; charset=GBK').text).toBe('<R>中文</R>');
    expect(decodeBody(bytes('{"a":"', GBK_ZHONGWEN, '"}'), 'application/json;charset="gbk"').text).toBe(
      '{"a":"中文"}',
    );
    expect(decodeBody(bytes('{"a":"', GBK_ZHONGWEN, '"}'), 'application/json; charset=gb2312').text).toBe(
      '{"a":"中文"}',
    );
  });

  // Regression (was a bug in src/body/decode.ts, contentTypeCharset): the pre-check `contentType.includes('charset')` is case-sensitive
  // although the regex after it is /i, so `Charset=GBK` / `CHARSET=GBK` are ignored and the GBK body is refused
  // as invalid UTF-8 (400 InvalidEncoding). Media-type parameter names are case-insensitive (RFC 9110 §8.3.1).
  it('reads the Content-Type charset parameter case-insensitively', () => {
    expect(decodeBody(bytes('{"a":"', GBK_ZHONGWEN, '"}'), 'application/json; Charset=GBK').text).toBe(
      '{"a":"中文"}',
    );
    expect(decodeBody(bytes('<R>', GBK_ZHONGWEN, '</R>'), 'text/xml; CHARSET=gbk').text).toBe('<R>中文</R>');
  });

  it('prefers the XML declaration over the Content-Type charset', () => {
    const body = bytes('<?xml version="1.0" encoding="GBK"?><R>', GBK_ZHONGWEN, '</R>');
    expect(decodeBody(body, 'application/xml; charset=utf-8').text).toContain('<R>中文</R>');
    // and a UTF-8 declaration wins over a wrong Content-Type charset
    expect(
      decodeBody(utf8('<?xml version="1.0" encoding="UTF-8"?><R>中文</R>'), 'text/xml; charset=gbk').text,
    ).toContain('<R>中文</R>');
  });

  it('does not read a declaration-like text in a JSON body', () => {
    expect(decodeBody(utf8('{"x":"<?xml encoding=\\"gbk\\"?>中文"}'), undefined).text).toContain('中文');
  });

  it('decodes ISO-8859-1 byte for byte', () => {
    const body = bytes(
      '<?xml version="1.0" encoding="ISO-8859-1"?><R>',
      [0xe9, 0xfc, 0xa0, 0xff, 0xc0],
      '</R>',
    );
    expect(decodeBody(body, undefined).text).toContain('<R>éü\u00a0ÿÀ</R>');
    expect(decodeBody(bytes('{"a":"', [0xe9], '"}'), 'application/json; charset=latin1').text).toBe(
      '{"a":"é"}',
    );
  });

  it.each([
    ['little endian', true],
    ['big endian', false],
  ])('decodes UTF-16 %s with a BOM, XML and JSON, without the BOM in the text', (_what, le) => {
    expect(decodeBody(utf16('<R>中文 😀</R>', le), undefined)).toEqual({
      format: 'xml',
      text: '<R>中文 😀</R>',
    });
    expect(decodeBody(utf16('\r\n {"a":"中文"}', le), 'application/json')).toEqual({
      format: 'json',
      text: '\r\n {"a":"中文"}',
    });
  });

  it('refuses UTF-16 that is neither XML nor a JSON object with 415', () => {
    expectCode(utf16('[1]', true), undefined, 'UnsupportedBody', 415);
    expectCode(utf16('hello', false), undefined, 'UnsupportedBody', 415);
  });

  it('refuses UTF-16 with an odd number of bytes or a lone surrogate with InvalidEncoding', () => {
    expectCode(bytes([0xff, 0xfe], [0x3c, 0x00, 0x52]), undefined, 'InvalidEncoding', 400);
    expectCode(bytes([0xff, 0xfe], [0x3c, 0x00, 0x00, 0xd8, 0x3e, 0x00]), undefined, 'InvalidEncoding', 400);
  });

  it.each([
    ['0xFF', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a truncated sequence', [0xe4, 0xb8]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['Latin-1 é', [0xe9]],
  ])('refuses invalid UTF-8 (%s) with 400 InvalidEncoding, never replacing it', (_what, bad) => {
    expectCode(bytes('<R>', bad, '</R>'), undefined, 'InvalidEncoding', 400);
    expectCode(bytes('{"a":"', bad, '"}'), 'application/json; charset=utf-8', 'InvalidEncoding', 400);
    expectCode(
      bytes('<?xml version="1.0" encoding="UTF-8"?><R>', bad, '</R>'),
      undefined,
      'InvalidEncoding',
      400,
    );
  });

  it('refuses bytes that are invalid in the declared charset with InvalidEncoding', () => {
    // 0x81 starts a two-byte GBK sequence; "<" cannot follow it
    expectCode(
      bytes('<?xml version="1.0" encoding="GBK"?><R>', [0x81], '</R>'),
      undefined,
      'InvalidEncoding',
      400,
    );
    expectCode(
      bytes('<?xml version="1.0" encoding="Shift_JIS"?><R>', [0x80], '</R>'),
      undefined,
      'InvalidEncoding',
      400,
    );
  });

  it.each([
    [
      'an unknown charset in the declaration',
      bytes('<?xml version="1.0" encoding="x-klingon"?><R/>'),
      undefined,
    ],
    ['an unknown charset in the Content-Type', bytes('{"a":1}'), 'application/json; charset=x-klingon'],
    ['an unknown charset for XML without declaration', bytes('<R/>'), 'text/xml; charset=ebcdic-xyz'],
    ['a very long label', bytes(`<?xml version="1.0" encoding="${'x'.repeat(150)}"?><R/>`), undefined],
  ])('refuses %s with 415 UnsupportedCharset', (_what, body, contentType) => {
    expectCode(body, contentType, 'UnsupportedCharset', 415);
  });

  it('does not echo a long charset label in full', () => {
    const error = thrown(() => decodeBody(bytes('{}'), `application/json; charset=${'y'.repeat(500)}`));
    expect(error.message.length).toBeLessThan(120);
  });

  // Regression (was a bug in src/body/decode.ts, decodeBody): a UTF-8 byte order mark is authoritative (XML 1.0 Appendix F,
  // WHATWG "BOM sniff"), but the declared encoding is used for the bytes after it. A UTF-8 body with a BOM and
  // a stale `encoding="GBK"` declaration is silently decoded as GBK: "中文" becomes "涓枃" (no error).
  it('decodes a body with a UTF-8 BOM as UTF-8 even when the declaration names another charset', () => {
    const body = bytes(
      BOM,
      '<?xml version="1.0" encoding="GBK"?><R>',
      [...Buffer.from('中文', 'utf8')],
      '</R>',
    );
    expect(decodeBody(body, undefined).text).toContain('<R>中文</R>');
  });
});
