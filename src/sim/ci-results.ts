import { createHash } from 'node:crypto';
import type { XmlObject } from '../body/xml.js';
import { text } from '../providers/read.js';
import { child } from './ci-request.js';
import { invalidArgument } from './errors.js';
import type { Random } from './rng.js';
import { ciTime } from './times.js';
import type { OutDoc } from './xml.js';

/** What a successful job adds to its `Operation`, and the objects it wrote. */
export interface TagResult {
  readonly nodes: OutDoc;
  readonly objects: readonly string[];
}

export interface JobPlace {
  readonly id: string;
  readonly bucket: string;
  readonly region: string;
  /** Input.Object (or the last segment of Input.Url). */
  readonly object: string;
  readonly operation: XmlObject | undefined;
  readonly random: Random;
}

/** How many objects the multi-object jobs write (Snapshot, FileUncompress, DocProcess pages). */
export const SERIES_LENGTH = 3;

const baseName = (key: string): string => {
  const file = key.slice(key.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
};

/** CI's output placeholders filled for the `index`th object; a series without a placeholder gets `-<n>`. */
export function fillTemplate(
  template: string,
  input: string,
  index: number,
  ext: string,
  series: boolean,
): string {
  const values: Readonly<Record<string, string>> = {
    number: String(index),
    Number: String(index),
    Page: String(index + 1),
    page: String(index + 1),
    ext,
    InputName: baseName(input),
    InputNameAndExt: input.slice(input.lastIndexOf('/') + 1),
    InputPath: input.slice(0, input.lastIndexOf('/') + 1),
  };
  const numbered = /\$\{(?:number|Number|Page|page)\}/.test(template);
  const filled = template.replace(/\$\{(\w+)\}/g, (_match, name: string) => values[name] ?? '');
  if (!series || numbered) return filled;
  const dot = filled.lastIndexOf('.');
  return dot > filled.lastIndexOf('/')
    ? `${filled.slice(0, dot)}-${index}${filled.slice(dot)}`
    : `${filled}-${index}`;
}

const outputObject = (place: JobPlace): string | undefined => text(child(place.operation, 'Output')?.Object);

const requiredOutput = (place: JobPlace): string => {
  const object = outputObject(place);
  if (object === undefined || object === '') throw invalidArgument('Operation.Output.Object is required');
  return object;
};

const location = (place: JobPlace) => ({ Region: place.region, Bucket: place.bucket });

/** Every FileProcess Tag (formats.md §1.2) and what it reports. */
export function fileResult(tag: string, place: JobPlace): TagResult {
  switch (tag) {
    case 'FileHashCode': {
      const type = text(child(place.operation, 'FileHashCodeConfig')?.Type) ?? 'MD5';
      if (type !== 'MD5' && type !== 'SHA1' && type !== 'SHA256')
        throw invalidArgument('FileHashCodeConfig.Type must be MD5, SHA1 or SHA256');
      const digest = (algorithm: string) =>
        createHash(algorithm).update(`${place.bucket}/${place.object}`).digest('hex');
      return {
        nodes: {
          FileHashCodeResult: {
            [type]: digest(type.toLowerCase()),
            FileSize: String(place.random.int(1024, 50_000_000)),
            LastModified: ciTime(new Date()),
            Etag: `"${digest('md5')}"`,
          },
        },
        objects: [],
      };
    }
    case 'FileUncompress': {
      const prefix =
        text(child(place.operation, 'FileUncompressConfig')?.Prefix) ?? `${baseName(place.object)}/`;
      const objects = Array.from({ length: SERIES_LENGTH }, (_, i) => `${prefix}file-${i + 1}.jpg`);
      return {
        nodes: { FileUncompressResult: { ...location(place), FileCount: String(objects.length) } },
        objects,
      };
    }
    case 'FileCompress': {
      const archive = requiredOutput(place);
      const keys = child(place.operation, 'FileCompressConfig')?.Key;
      const count = Array.isArray(keys) ? keys.length : keys === undefined ? SERIES_LENGTH : 1;
      return {
        nodes: {
          FileCompressResult: {
            ...location(place),
            Object: archive,
            CompressFileCount: String(count),
            ErrorCount: '0',
          },
        },
        objects: [archive],
      };
    }
    default:
      throw invalidArgument(
        `Tag ${tag} is not a file processing job (FileHashCode, FileUncompress, FileCompress)`,
      );
  }
}

const MEDIA_EXT: Readonly<Record<string, string>> = { Snapshot: 'jpg', Animation: 'gif', SmartCover: 'jpg' };

/** Media jobs: the objects of `Output.Object`, several for Snapshot, in `MediaResult.OutputFile`. */
export function mediaResult(tag: string, place: JobPlace): TagResult {
  const template = requiredOutput(place);
  const ext = MEDIA_EXT[tag] ?? 'mp4';
  const series = tag === 'Snapshot' || tag === 'SmartCover';
  const count = series ? SERIES_LENGTH : 1;
  const objects = Array.from({ length: count }, (_, i) =>
    fillTemplate(template, place.object, i, ext, series),
  );
  const md5 = (name: string) => createHash('md5').update(name).digest('hex');
  return {
    nodes: {
      MediaResult: {
        OutputFile: {
          ...location(place),
          ObjectName: objects,
          ObjectPrefix: '',
          Md5Info: objects.map((name) => ({ ObjectName: name, Md5: md5(name) })),
        },
      },
    },
    objects,
  };
}

/** DocProcess: one page image per page, in `DocProcessResult.PageInfo`. */
export function docResult(tag: string, place: JobPlace): TagResult {
  if (tag !== 'DocProcess') throw invalidArgument(`Tag ${tag} is not a document job (DocProcess)`);
  const template = requiredOutput(place);
  const target = text(child(place.operation, 'DocProcess')?.TgtType) ?? 'jpg';
  const objects = Array.from({ length: SERIES_LENGTH }, (_, i) =>
    fillTemplate(template, place.object, i, target, true),
  );
  return {
    nodes: {
      DocProcessResult: {
        FailPageCount: '0',
        SuccPageCount: String(objects.length),
        TaskId: place.id,
        TgtType: target,
        TotalPageCount: String(objects.length),
        PageInfo: objects.map((uri, i) => ({ PageNo: String(i + 1), TgtUri: uri })),
      },
    },
    objects,
  };
}
