import { z } from 'zod';
import { ConfigError, parseEnv } from '../config.js';
import type { QiniuKey } from './qiniu/signature.js';
import { DEFAULT_QINIU_API_ENDPOINT } from './qiniu/client.js';
import { DEFAULT_COS_BATCH_ENDPOINT } from './tencent-cos-batch/client.js';
import { DEFAULT_CI_ENDPOINT } from './tencent-ci/client.js';

/** Credentials and endpoints of the cloud clients (CONTRACT.md §6.1), read once from the environment. */
export interface CloudsConfig {
  readonly tencent?: {
    readonly secretId: string;
    readonly secretKey: string;
    readonly sessionToken?: string | undefined;
    /** COS batch: `x-cos-appid`. */
    readonly appId?: string | undefined;
    /** COS batch: the control host's account. */
    readonly uin?: string | undefined;
  };
  readonly qiniu?: QiniuKey;
  readonly endpoints: {
    readonly tencentCi: string;
    readonly cosBatch: string;
    readonly qiniuApi: string;
  };
  /** One call, from sending to the end of the answer. */
  readonly timeoutMs: number;
}

/** A base URL template: http(s), and a URL once its `{bucket}`, `{region}`, `{uin}` are filled. */
const Template = z.string().refine((value) => {
  try {
    const url = new URL(value.replace(/\{(bucket|region|uin)\}/g, 'x'));
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}, 'must be an http(s) base URL (placeholders {bucket}, {region}, {uin}; no query)');

const Text = z.string().min(1).optional();

const Env = z.object({
  TENCENTCLOUD_SECRET_ID: Text,
  TENCENTCLOUD_SECRET_KEY: Text,
  TENCENTCLOUD_SESSION_TOKEN: Text,
  TENCENTCLOUD_APPID: z
    .string()
    .regex(/^\d{1,64}$/, 'must be digits')
    .optional(),
  TENCENTCLOUD_UIN: z
    .string()
    .regex(/^\d{1,64}$/, 'must be digits')
    .optional(),
  QINIU_ACCESS_KEY: Text,
  QINIU_SECRET_KEY: Text,
  JOBHOOK_TENCENT_CI_ENDPOINT: Template.default(DEFAULT_CI_ENDPOINT),
  JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: Template.default(DEFAULT_COS_BATCH_ENDPOINT),
  JOBHOOK_QINIU_API_ENDPOINT: Template.default(DEFAULT_QINIU_API_ENDPOINT),
  JOBHOOK_CLOUD_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});

function together(names: string, first: string | undefined, second: string | undefined): void {
  if ((first === undefined) !== (second === undefined))
    throw new ConfigError(`invalid configuration: ${names} are set together or not at all`);
}

/** Reads the cloud section of the environment; the secrets stay in the result only, never in a message. */
export function readCloudsConfig(env: Readonly<Record<string, string | undefined>>): CloudsConfig {
  const e = parseEnv(Env, env);
  const { TENCENTCLOUD_SECRET_ID: secretId, TENCENTCLOUD_SECRET_KEY: secretKey } = e;
  const { QINIU_ACCESS_KEY: accessKey, QINIU_SECRET_KEY: qiniuSecret } = e;
  together('TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY', secretId, secretKey);
  together('QINIU_ACCESS_KEY and QINIU_SECRET_KEY', accessKey, qiniuSecret);
  return Object.freeze({
    ...(secretId !== undefined && secretKey !== undefined
      ? {
          tencent: Object.freeze({
            secretId,
            secretKey,
            sessionToken: e.TENCENTCLOUD_SESSION_TOKEN,
            appId: e.TENCENTCLOUD_APPID,
            uin: e.TENCENTCLOUD_UIN,
          }),
        }
      : {}),
    ...(accessKey !== undefined && qiniuSecret !== undefined
      ? { qiniu: Object.freeze({ accessKey, secretKey: qiniuSecret }) }
      : {}),
    endpoints: Object.freeze({
      tencentCi: e.JOBHOOK_TENCENT_CI_ENDPOINT,
      cosBatch: e.JOBHOOK_TENCENT_COS_BATCH_ENDPOINT,
      qiniuApi: e.JOBHOOK_QINIU_API_ENDPOINT,
    }),
    timeoutMs: e.JOBHOOK_CLOUD_TIMEOUT_MS,
  });
}
