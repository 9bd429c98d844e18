import { z } from 'zod';
import type { XmlObject, XmlValue } from '../body/xml.js';
import { invalidArgument } from './errors.js';
import { readXml, type OutDoc } from './xml.js';

/** An empty XML element (`<Input/>`) reads as "": absent. */
const part = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const Output = z.looseObject({
  Region: z.string().optional(),
  Bucket: z.string().optional(),
  Object: z.string().optional(),
});

/** The fields of a CI job request the simulator reads (formats.md §4.2); everything else is echoed back. */
export const CiJobRequestSchema = z.looseObject({
  Tag: z.string().min(1, 'Tag is required'),
  Input: part(z.looseObject({ Object: z.string().optional(), Url: z.string().optional() })),
  Operation: part(
    z.looseObject({
      UserData: z.string().max(1024).optional(),
      Output: part(Output),
      TemplateId: z.string().optional(),
    }),
  ),
  QueueId: z.string().optional(),
  CallBack: z.string().optional(),
  CallBackFormat: z.string().optional(),
  CallBackType: z.string().optional(),
  CallBackMqConfig: part(
    z.looseObject({
      MqMode: z.string().optional(),
      MqRegion: z.string().optional(),
      MqName: z.string().optional(),
    }),
  ),
});

export type CiJobRequest = z.infer<typeof CiJobRequestSchema>;

/** A `<Request>` body read with a schema; what does not fit is `InvalidArgument`, ill-formed XML `MalformedXML`. */
export function readRequest<T extends z.ZodType>(
  body: Buffer,
  schema: T,
): { parsed: z.infer<T>; raw: XmlObject } {
  const { root, content } = readXml(body.toString('utf8'));
  if (root !== 'Request') throw invalidArgument(`the body's root is <${root}>, not <Request>`);
  const result = schema.safeParse(content);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidArgument(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return { parsed: result.data, raw: content };
}

function outValue(value: XmlValue): string | OutDoc | (string | OutDoc)[] {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return toOutDoc(value);
  const items: (string | OutDoc)[] = [];
  for (const item of value) {
    const out = outValue(item);
    if (Array.isArray(out)) items.push(...out);
    else items.push(out);
  }
  return items;
}

/** A parsed request part, to echo back in answers and callbacks. */
export function toOutDoc(value: XmlObject | undefined): OutDoc {
  const out: Record<string, string | OutDoc | (string | OutDoc)[]> = {};
  if (value === undefined) return out;
  for (const [name, item] of Object.entries(value)) out[name] = outValue(item);
  return out;
}

/** A sub-document of a parsed request as an object, or undefined. */
export function child(value: XmlObject | undefined, name: string): XmlObject | undefined {
  const item = value?.[name];
  return typeof item === 'object' && !Array.isArray(item) ? item : undefined;
}
