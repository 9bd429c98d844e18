import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { SIM_APIS } from '../sim/apis.js';
import { reading } from './flag-reader.js';
import type { FaultsInput } from '../sim/faults.js';
import { SimOptionsSchema, type SimOptions } from '../sim/options.js';

/** The flags of `jobhook sim`, as commander hands them over (values already read by the parsers below). */
export interface SimFlags {
  readonly port: number;
  readonly host: string;
  readonly callbackFormat?: 'XML' | 'JSON';
  readonly delay?: number;
  readonly callbackDelay?: readonly [number, number];
  readonly seed?: number;
  readonly tdmqUrl?: string;
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly fail?: number;
  readonly spoofDescribe?: 'off' | 'other' | 'running' | 'unknown';
  readonly errors?: Readonly<Record<string, number>>;
  readonly slow?: number;
  readonly maxBatchJobs?: number;
  readonly secretId?: string;
  readonly secretKey?: string;
  readonly appid?: string;
  readonly uin?: string;
  readonly qiniuAccessKey?: string;
  readonly qiniuSecretKey?: string;
}

export const integerFlag = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  reading(
    z.coerce.number().int().min(min).max(max),
    `an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`,
  );

export const probabilityFlag = reading(z.coerce.number().min(0).max(1), 'a probability from 0 to 1');

export const formatFlag = reading(
  z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['XML', 'JSON'])),
  'xml or json',
);

/** `50` or `20-200` (ms). */
export const rangeFlag = (value: string): [number, number] => {
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (match === null || min > max) throw new InvalidArgumentError('ms, or a range min-max');
  return [min, max];
};

/** `ci.create-job=2,qiniu.pfop=1` (`*` for any api). */
export const countsFlag = (value: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const match = /^([\w.*-]+)=(\d+)$/.exec(part.trim());
    const api = match?.[1] ?? '';
    if (match === null || (api !== '*' && !SIM_APIS.some((known) => known === api)))
      throw new InvalidArgumentError(`api=n pairs; the apis are ${SIM_APIS.join(', ')} and *`);
    out[api] = Number(match[2]);
  }
  return out;
};

export const spoofFlag = reading(
  z.enum(['off', 'other', 'running', 'unknown']),
  'off, other, running or unknown',
);

export const urlFlag = reading(z.url(), 'a URL');

/** The simulator's options from the flags, the credentials falling back to the service's environment variables. */
export function simOptions(flags: SimFlags, env: Readonly<Record<string, string | undefined>>): SimOptions {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] === '' ? undefined : env[name]);
  const secretId = pick(flags.secretId, 'TENCENTCLOUD_SECRET_ID');
  const secretKey = pick(flags.secretKey, 'TENCENTCLOUD_SECRET_KEY');
  const accessKey = pick(flags.qiniuAccessKey, 'QINIU_ACCESS_KEY');
  const qiniuSecret = pick(flags.qiniuSecretKey, 'QINIU_SECRET_KEY');
  const appId = pick(flags.appid, 'TENCENTCLOUD_APPID');
  const uin = pick(flags.uin, 'TENCENTCLOUD_UIN');
  const faults: FaultsInput = {
    ...(flags.callbackDelay === undefined ? {} : { callbackDelayMs: [...flags.callbackDelay] }),
    ...(flags.drop === undefined ? {} : { drop: { probability: flags.drop } }),
    ...(flags.duplicate === undefined ? {} : { duplicate: { probability: flags.duplicate } }),
    ...(flags.reorder === undefined ? {} : { reorder: flags.reorder }),
    ...(flags.fail === undefined ? {} : { fail: { probability: flags.fail } }),
    ...(flags.spoofDescribe === undefined ? {} : { spoofDescribe: { as: flags.spoofDescribe } }),
    ...(flags.errors === undefined ? {} : { errors: flags.errors }),
    ...(flags.slow === undefined ? {} : { slowMs: flags.slow }),
  };
  return SimOptionsSchema.parse({
    port: flags.port,
    host: flags.host,
    ...(flags.delay === undefined ? {} : { delayMs: flags.delay }),
    ...(flags.callbackFormat === undefined ? {} : { callbackFormat: flags.callbackFormat }),
    ...(flags.tdmqUrl === undefined ? {} : { tdmqUrl: flags.tdmqUrl }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.maxBatchJobs === undefined ? {} : { maxActiveBatchJobs: flags.maxBatchJobs }),
    credentials: {
      ...(secretId !== undefined && secretKey !== undefined ? { tencent: { secretId, secretKey } } : {}),
      ...(accessKey !== undefined && qiniuSecret !== undefined
        ? { qiniu: { accessKey, secretKey: qiniuSecret } }
        : {}),
      ...(appId === undefined ? {} : { appId }),
      ...(uin === undefined ? {} : { uin }),
    },
    faults,
  });
}
