import type { DocumentLimits } from '../body/parse.js';
import { createQiniuProvider } from './qiniu/index.js';
import type { QiniuKey } from './qiniu/signature.js';
import { createTdmqProvider } from './tdmq/index.js';
import { tencentCi } from './tencent-ci/index.js';
import type { CallbackProvider } from './types.js';

export interface ProviderOptions {
  readonly qiniuKeys: readonly QiniuKey[];
  readonly limits: DocumentLimits;
}

export interface ProviderSet {
  readonly byRoute: ReadonlyMap<string, CallbackProvider>;
  /** Tried in this order by `POST /v1/callbacks`; the first whose `detect` says yes takes the document. */
  readonly detectOrder: readonly CallbackProvider[];
}

/** Every provider jobhook knows. Adding one is adding its folder and one line here. */
export function createProviders(options: ProviderOptions): ProviderSet {
  const tdmq = createTdmqProvider(tencentCi, options.limits);
  const qiniu = createQiniuProvider(options.qiniuKeys);
  const detectOrder = [tdmq, tencentCi, qiniu];
  return { byRoute: new Map(detectOrder.map((p) => [p.route, p])), detectOrder };
}
