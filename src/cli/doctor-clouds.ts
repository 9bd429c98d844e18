import { redactUrl } from '../log.js';
import { isCloudError } from '../providers/cloud-error.js';
import { createClouds } from '../providers/clouds.js';
import type { CloudsConfig } from '../providers/clouds-config.js';
import type { Check } from './doctor-run.js';

/** The COS batch region checked when none is given: the environment names none (CONTRACT.md §6.1). */
export const DEFAULT_BATCH_REGION = 'ap-guangzhou';

/** An id no job has, for Qiniu's prefop. */
const NO_SUCH_ID = 'z0.jobhook-doctor-0000000000000000';

/** A cloud check waits at most this long. */
const CLOUD_TIMEOUT_MS = 10_000;

const failed = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One call: ok when it answers (or `accepted` says its refusal proves the signature), else the failure. */
async function probe(
  check: string,
  where: string,
  call: () => Promise<unknown>,
  accepted: (error: unknown) => string | undefined = () => undefined,
): Promise<Check> {
  try {
    await call();
    return { check, status: 'ok', message: `${where}: signature accepted` };
  } catch (error) {
    const proof = accepted(error);
    return proof === undefined
      ? { check, status: 'fail', message: `${where}: ${failed(error)}` }
      : { check, status: 'ok', message: `${where}: ${proof}` };
  }
}

/** One signed read-only call per provider whose credentials are set (docs/clouds.md). */
export async function cloudChecks(
  config: CloudsConfig,
  target: { readonly bucket?: string | undefined; readonly region?: string | undefined },
): Promise<Check[]> {
  const clouds = createClouds({ ...config, timeoutMs: Math.min(config.timeoutMs, CLOUD_TIMEOUT_MS) });
  const { tencentCi: ci, cosBatch: batch, qiniu } = clouds;
  const { bucket, region } = target;
  const batchRegion = region ?? DEFAULT_BATCH_REGION;
  return Promise.all([
    ci === undefined
      ? warn('tencent-ci', 'not configured (TENCENTCLOUD_SECRET_ID/KEY)')
      : bucket === undefined || region === undefined
        ? warn(
            'tencent-ci',
            'key set, not checked: give --bucket and --region (doctor calls GET /queue?pageSize=1 there)',
          )
        : probe('tencent-ci', `GET /queue?pageSize=1 on ${bucket} (${region})`, () =>
            ci.describeQueues('media', { bucket, region }, { pageSize: '1' }),
          ),
    batch === undefined
      ? warn(
          'tencent-cos-batch',
          'not configured (TENCENTCLOUD_SECRET_ID/KEY, TENCENTCLOUD_APPID and TENCENTCLOUD_UIN)',
        )
      : probe(
          'tencent-cos-batch',
          `GET /jobs?maxResults=1 in ${batchRegion}${region === undefined ? ' (no --region given)' : ''}`,
          () => batch.listJobs(batchRegion, { maxResults: 1 }),
        ),
    qiniu === undefined
      ? warn('qiniu', 'not configured (QINIU_ACCESS_KEY/SECRET_KEY)')
      : probe(
          'qiniu',
          'GET /status/get/prefop of a made-up id',
          () => qiniu.prefop(NO_SUCH_ID),
          (error) =>
            isCloudError(error) && error.status === 612
              ? '612 no such id, the signature was accepted'
              : undefined,
        ),
  ]);
}

const warn = (check: string, message: string): Promise<Check> =>
  Promise.resolve({ check, status: 'warn', message });

/** `GET <public URL>/healthz` answers 200. */
export async function publicUrlCheck(publicUrl: string | undefined): Promise<Check> {
  if (publicUrl === undefined)
    return {
      check: 'public-url',
      status: 'warn',
      message: 'JOBHOOK_PUBLIC_URL not set: follow-up jobs cannot name jobhook as their callback',
    };
  const url = redactUrl(`${publicUrl}/healthz`);
  const target = `${publicUrl}/healthz`;
  try {
    const response = await fetch(target, {
      signal: AbortSignal.timeout(CLOUD_TIMEOUT_MS),
      redirect: 'manual',
    });
    await response.body?.cancel();
    return response.status === 200
      ? { check: 'public-url', status: 'ok', message: `GET ${url}: 200` }
      : { check: 'public-url', status: 'fail', message: `GET ${url}: ${response.status}, not 200` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return { check: 'public-url', status: 'fail', message: `GET ${url}: ${failed(error)}${cause}` };
  }
}
