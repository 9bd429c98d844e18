import type { z } from 'zod';
import type { OutputObject } from '../../events/schema.js';
import { OutputList } from '../fields.js';
import type { Operation } from './wire.js';

/** Every object a CI job reports it produced (docs/events.md, "Outputs"). */
export function jobOutputs(
  operation: z.infer<typeof Operation> | undefined,
  succeeded: boolean,
): z.infer<typeof OutputObject>[] {
  const outputs = new OutputList();
  if (operation === undefined) return outputs.items;
  for (const file of operation.MediaResult?.OutputFile ?? []) {
    for (const name of file.ObjectName ?? []) outputs.add(file.Bucket, file.Region, name);
    const sprite = file.SpriteOutputFile;
    for (const name of sprite?.ObjectName ?? [])
      outputs.add(sprite?.Bucket ?? file.Bucket, sprite?.Region ?? file.Region, name);
  }
  const archive = operation.FileCompressResult;
  if (archive !== undefined) outputs.add(archive.Bucket ?? archive.BucketId, archive.Region, archive.Object);
  const target = operation.Output;
  const targetBucket = target?.Bucket ?? target?.BucketId;
  for (const page of operation.DocProcessResult?.PageInfo ?? []) {
    const uri = page.TgtUri;
    if (uri === undefined || uri === '') continue;
    const located = locateUri(uri);
    if (located === undefined) outputs.add(targetBucket, target?.Region, uri);
    else outputs.add(located.bucket ?? targetBucket, located.region ?? target?.Region, located.object);
  }
  const object = target?.Object;
  if (succeeded && object !== undefined && !object.includes('${'))
    outputs.add(targetBucket, target?.Region, object);
  return outputs.items;
}

const COS_HOST = /^([a-z0-9-]+)\.(?:cos|ci)\.([a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$/;

/** `https://<bucket>.cos.<region>.myqcloud.com/<key>` → parts; undefined for a plain key. */
function locateUri(uri: string): { bucket?: string; region?: string; object: string } | undefined {
  if (!/^https?:\/\//i.test(uri)) return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  let object: string;
  try {
    object = decodeURIComponent(url.pathname.slice(1));
  } catch {
    object = url.pathname.slice(1);
  }
  const host = COS_HOST.exec(url.hostname);
  return host === null ? { object } : { bucket: host[1] ?? '', region: host[2] ?? '', object };
}
