import { describe, expect, it } from 'vitest';
import type { XmlObject } from '../body/xml.js';
import {
  docResult,
  fileResult,
  fillTemplate,
  mediaResult,
  SERIES_LENGTH,
  type JobPlace,
} from './ci-results.js';
import { createRandom } from './rng.js';

const place = (operation: XmlObject): JobPlace => ({
  id: 'f0',
  bucket: 'demo-1250000000',
  region: 'ap-guangzhou',
  object: 'raw/clip.mov',
  operation,
  random: createRandom(1),
});

describe('job results by Tag', () => {
  it.each([
    ['MD5', 32],
    ['SHA1', 40],
    ['SHA256', 64],
  ])('FileHashCode %s is %i hex digits', (type, length) => {
    const { nodes } = fileResult('FileHashCode', place({ FileHashCodeConfig: { Type: type } }));
    expect(JSON.stringify(nodes)).toMatch(new RegExp(`"${type}":"[0-9a-f]{${length}}"`));
  });

  it('FileUncompress writes several objects under its prefix; FileCompress one archive', () => {
    const unzip = fileResult('FileUncompress', place({ FileUncompressConfig: { Prefix: 'out/' } }));
    expect(unzip.objects).toHaveLength(SERIES_LENGTH);
    expect(unzip.objects.every((o) => o.startsWith('out/'))).toBe(true);
    expect(unzip.nodes).toMatchObject({ FileUncompressResult: { FileCount: String(SERIES_LENGTH) } });
    expect(fileResult('FileCompress', place({ Output: { Object: 'a.zip' } })).objects).toEqual(['a.zip']);
  });

  it('refuses what CI refuses: an unknown file Tag or hash type, a missing output', () => {
    expect(() => fileResult('FileResize', place({}))).toThrow(/not a file processing job/);
    expect(() => fileResult('FileHashCode', place({ FileHashCodeConfig: { Type: 'CRC' } }))).toThrow(/MD5/);
    expect(() => fileResult('FileCompress', place({}))).toThrow(/Output.Object/);
    expect(() => mediaResult('Transcode', place({}))).toThrow(/Output.Object/);
    expect(() => docResult('Transcode', place({ Output: { Object: 'a' } }))).toThrow(/DocProcess/);
  });

  it('media: one output, several for Snapshot; doc: one per page', () => {
    expect(
      mediaResult('Transcode', place({ Output: { Object: 'out/${InputName}.${ext}' } })).objects,
    ).toEqual(['out/clip.mp4']);
    expect(mediaResult('Snapshot', place({ Output: { Object: 'snap/a.jpg' } })).objects).toEqual([
      'snap/a-0.jpg',
      'snap/a-1.jpg',
      'snap/a-2.jpg',
    ]);
    expect(docResult('DocProcess', place({ Output: { Object: 'p/${Page}.jpg' } })).objects).toEqual([
      'p/1.jpg',
      'p/2.jpg',
      'p/3.jpg',
    ]);
  });

  it('fills placeholders, unknown ones emptied', () => {
    expect(
      fillTemplate('${InputPath}${InputNameAndExt}-${number}-${Other}.x', 'a/b/c.mov', 4, 'jpg', true),
    ).toBe('a/b/c.mov-4-.x');
  });
});
