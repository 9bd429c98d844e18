import type { z } from 'zod';
import type { OutputObject } from '../../events/schema.js';
import { OutputList } from '../fields.js';
import { listOf, record, text, type Doc } from '../read.js';

/** Every object a CI job reports it produced (docs/events.md, "Outputs"), from the job's `Operation`. */
export function jobOutputs(operation: Doc | undefined, succeeded: boolean): z.infer<typeof OutputObject>[] {
  const outputs = new OutputList();
  if (operation === undefined) return outputs.items;
  for (const file of listOf(record(operation.MediaResult)?.OutputFile, record) ?? []) {
    const bucket = text(file.Bucket);
    const region = text(file.Region);
    for (const name of listOf(file.ObjectName, text) ?? []) outputs.add(bucket, region, name);
    const sprite = record(file.SpriteOutputFile);
    if (sprite !== undefined)
      for (const name of listOf(sprite.ObjectName, text) ?? [])
        outputs.add(text(sprite.Bucket) ?? bucket, text(sprite.Region) ?? region, name);
  }
  const archive = record(operation.FileCompressResult);
  if (archive !== undefined)
    outputs.add(text(archive.Bucket) ?? text(archive.BucketId), text(archive.Region), text(archive.Object));
  const target = record(operation.Output);
  const targetBucket = text(target?.Bucket) ?? text(target?.BucketId);
  const targetRegion = text(target?.Region);
  for (const page of listOf(record(operation.DocProcessResult)?.PageInfo, record) ?? []) {
    const uri = text(page.TgtUri);
    if (uri === undefined || uri === '') continue;
    const located = locateUri(uri);
    if (located === undefined) outputs.add(targetBucket, targetRegion, uri);
    else outputs.add(located.bucket ?? targetBucket, located.region ?? targetRegion, located.object);
  }
  const object = text(target?.Object);
  if (succeeded && object !== undefined && !object.includes('${'))
    outputs.add(targetBucket, targetRegion, object);
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
