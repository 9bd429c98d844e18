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

/** One signed read-only call per provider whose credentials are set (docs/clouds.md). */
export async function cloudChecks(
  config: CloudsConfig,
  target: { readonly bucket?: string | undefined; readonly region?: string | undefined },
): Promise<Check[]> {
  const clouds = createClouds({ ...config, timeoutMs: Math.min(config.timeoutMs, CLOUD_TIMEOUT_MS) });
  const checks: Check[] = [];
  const ci = clouds.tencentCi;
  if (ci === undefined)
    checks.push({
      check: 'tencent-ci',
      status: 'warn',
      message: 'not configured (TENCENTCLOUD_SECRET_ID/KEY)',
    });
  else if (target.bucket === undefined || target.region === undefined)
    checks.push({
      check: 'tencent-ci',
      status: 'warn',
      message: 'key set, not checked: give --bucket and --region (doctor calls GET /queue?pageSize=1 there)',
    });
  else {
    const where = `GET /queue?pageSize=1 on ${target.bucket} (${target.region})`;
    try {
      await ci.describeQueues('media', { bucket: target.bucket, region: target.region }, { pageSize: '1' });
      checks.push({ check: 'tencent-ci', status: 'ok', message: `${where}: signature accepted` });
    } catch (error) {
      checks.push({ check: 'tencent-ci', status: 'fail', message: `${where}: ${failed(error)}` });
    }
  }
  const batch = clouds.cosBatch;
  if (batch === undefined)
    checks.push({
      check: 'tencent-cos-batch',
      status: 'warn',
      message: 'not configured (TENCENTCLOUD_SECRET_ID/KEY, TENCENTCLOUD_APPID and TENCENTCLOUD_UIN)',
    });
  else {
    const region = target.region ?? DEFAULT_BATCH_REGION;
    const where = `GET /jobs?maxResults=1 in ${region}${target.region === undefined ? ' (no --region given)' : ''}`;
    try {
      await batch.listJobs(region, { maxResults: 1 });
      checks.push({ check: 'tencent-cos-batch', status: 'ok', message: `${where}: signature accepted` });
    } catch (error) {
      checks.push({ check: 'tencent-cos-batch', status: 'fail', message: `${where}: ${failed(error)}` });
    }
  }
  const qiniu = clouds.qiniu;
  if (qiniu === undefined)
    checks.push({ check: 'qiniu', status: 'warn', message: 'not configured (QINIU_ACCESS_KEY/SECRET_KEY)' });
  else {
    const where = 'GET /status/get/prefop of a made-up id';
    try {
      await qiniu.prefop(NO_SUCH_ID);
      checks.push({ check: 'qiniu', status: 'ok', message: `${where}: answered` });
    } catch (error) {
      checks.push(
        isCloudError(error) && error.status === 612
          ? { check: 'qiniu', status: 'ok', message: `${where}: 612 no such id, the signature was accepted` }
          : { check: 'qiniu', status: 'fail', message: `${where}: ${failed(error)}` },
      );
    }
  }
  return checks;
}

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
