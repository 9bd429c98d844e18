import { Option } from 'commander';
import { z } from 'zod';
import type { CiQueueKind } from '../providers/tencent-ci/client.js';
import { reading } from './flag-reader.js';

/** A bucket (`name-appid`) or region as the endpoint templates take them: a plain name. */
const Name = z.string().regex(/^[A-Za-z0-9._-]+$/);

export const bucketFlag = reading(Name, 'a bucket as CI names it, name-appid (letters, digits, . _ -)');
export const regionFlag = reading(Name, 'a region, e.g. ap-guangzhou');
export const queueIdFlag = reading(Name, 'a queue id, e.g. p0123456789abcdef0123456789abcdef');
export const jobIdFlag = reading(Name, 'a job id, e.g. b0123456789abcdef0123456789abcdef');

export const QUEUE_KINDS = ['media', 'file', 'doc', 'pic'] as const satisfies readonly CiQueueKind[];
export const queueKindFlag = reading(z.enum(QUEUE_KINDS), 'media, file, doc or pic');

export const resultFormatFlag = reading(
  z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['XML', 'JSON'])),
  'XML or JSON',
);

export const limitFlag = reading(z.coerce.number().int().min(1).max(1_000_000), 'an integer from 1');

/** Inventory trigger job states (CONTRACT.md §6.2), comma-separated. */
export const INVENTORY_STATES = ['Submitted', 'Running', 'Success', 'Failed', 'Pause', 'Cancel'] as const;
export const statesFlag = reading(
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(z.enum(INVENTORY_STATES)).min(1)),
  `comma-separated states: ${INVENTORY_STATES.join(', ')}`,
);

/** A text filter (`--name`, `--workflow-id`): not empty. */
export const textFlag = reading(z.string().min(1), 'not empty');

/** `--bucket` and `--region`, both required: the CI host (`{bucket}.ci.{region}`) of the commands that call CI. */
export const bucketOption = () =>
  new Option('--bucket <bucket>', 'the bucket, name-appid').makeOptionMandatory().argParser(bucketFlag);
export const regionOption = () =>
  new Option('--region <region>', 'its region, e.g. ap-guangzhou')
    .makeOptionMandatory()
    .argParser(regionFlag);
