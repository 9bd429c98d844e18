import type { Logger } from '../log.js';
import type { CloudsConfig } from './clouds-config.js';
import { createQiniuClient, type QiniuClient } from './qiniu/client.js';
import { createCosBatchClient, type CosBatchClient } from './tencent-cos-batch/client.js';
import { createTencentCiClient, type TencentCiClient } from './tencent-ci/client.js';

/** The signed cloud clients (CONTRACT.md §5.3 `ctx.clouds`): each present only when its credentials are set. */
export interface Clouds {
  readonly tencentCi?: TencentCiClient;
  /** Needs `TENCENTCLOUD_APPID` and `TENCENTCLOUD_UIN` besides the key. */
  readonly cosBatch?: CosBatchClient;
  readonly qiniu?: QiniuClient;
}

export interface CloudsOptions {
  readonly logger?: Logger | undefined;
  readonly fetch?: typeof fetch | undefined;
}

export function createClouds(config: CloudsConfig, options: CloudsOptions = {}): Clouds {
  const http = { timeoutMs: config.timeoutMs, logger: options.logger, fetch: options.fetch };
  const clouds: { tencentCi?: TencentCiClient; cosBatch?: CosBatchClient; qiniu?: QiniuClient } = {};
  const tencent = config.tencent;
  if (tencent !== undefined) {
    const credentials = {
      secretId: tencent.secretId,
      secretKey: tencent.secretKey,
      ...(tencent.sessionToken === undefined ? {} : { sessionToken: tencent.sessionToken }),
    };
    clouds.tencentCi = createTencentCiClient({ credentials, endpoint: config.endpoints.tencentCi, http });
    if (tencent.appId !== undefined && tencent.uin !== undefined)
      clouds.cosBatch = createCosBatchClient({
        credentials,
        appId: tencent.appId,
        uin: tencent.uin,
        endpoint: config.endpoints.cosBatch,
        http,
      });
  }
  if (config.qiniu !== undefined)
    clouds.qiniu = createQiniuClient({ key: config.qiniu, endpoint: config.endpoints.qiniuApi, http });
  return Object.freeze(clouds);
}
