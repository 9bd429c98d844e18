/**
 * The naive chain handler of the chain benchmark (chain-bench.ts), as a team would write it first: a BullMQ
 * `Worker` on `jobhook-events` that, for each succeeded FileUncompress job, describes the job with `fetch` (signed
 * with jobhook's COS signer), and when CI says `Success` submits the FileCompress follow-up with `fetch` — no
 * ledger, no once-only, no correlation. Started with a NaiveChainSpec in BENCH_NAIVE_CHAIN; says `ready` over IPC.
 */
import { Worker, type ConnectionOptions } from 'bullmq';
import { XMLParser } from 'fast-xml-parser';
import { cosAuthorization, cosKeyTime } from '../src/providers/tencent-ci/cos-signature.js';
import type { NaiveChainSpec, WorkerMessage } from './protocol.js';

const spec = JSON.parse(process.env['BENCH_NAIVE_CHAIN'] ?? '{}') as NaiveChainSpec;
const url = new URL(spec.redisUrl);
const connection: ConnectionOptions = {
  host: url.hostname,
  port: Number(url.port || 6379),
  maxRetriesPerRequest: null,
};
const parser = new XMLParser();

interface ChainEvent {
  readonly type: string;
  readonly data: {
    readonly tag?: string;
    readonly jobId: string;
    readonly input: { readonly bucket: string; readonly region: string };
  };
}

interface Described {
  readonly Response?: {
    readonly JobsDetail?: {
      readonly State?: string;
      readonly Operation?: { readonly FileUncompressConfig?: { readonly Prefix?: string } };
    };
  };
}

async function signedFetch(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<string> {
  const target = new URL(`${base}${path}`);
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/xml' };
  headers['authorization'] = cosAuthorization(spec.credentials, {
    method,
    pathname: path,
    query: {},
    headers: { ...headers, host: target.host },
    keyTime: cosKeyTime(Date.now(), 600),
  });
  const response = await fetch(target, { method, headers, body: body ?? null });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return text;
}

const worker = new Worker(
  'jobhook-events',
  async (job) => {
    const event = job.data as ChainEvent;
    if (event.type !== 'tencent.ci.job.succeeded' || event.data.tag !== 'FileUncompress') return;
    const { bucket, region } = event.data.input;
    const base = `${spec.simUrl}/ci/${bucket}/${region}`;
    const described = parser.parse(
      await signedFetch(base, 'GET', `/file_jobs/${event.data.jobId}`),
    ) as Described;
    const detail = described.Response?.JobsDetail;
    if (detail?.State !== 'Success') throw new Error(`job ${event.data.jobId} is not Success at CI`);
    const prefix = detail.Operation?.FileUncompressConfig?.Prefix ?? '';
    await signedFetch(
      base,
      'POST',
      '/file_jobs',
      '<Request><Tag>FileCompress</Tag><Operation><FileCompressConfig><Flatten>0</Flatten><Format>zip</Format>' +
        `<Prefix>${prefix}</Prefix></FileCompressConfig><Output><Region>${region}</Region><Bucket>${bucket}</Bucket>` +
        `<Object>archives/${event.data.jobId}.zip</Object></Output></Operation></Request>`,
    );
  },
  { connection, concurrency: spec.concurrency },
);

worker.on('error', (error) => process.stderr.write(`naive chain: ${error.message}\n`));
worker.on('failed', (_job, error) => process.stderr.write(`naive chain: ${error.message}\n`));
void worker.waitUntilReady().then(() => process.send?.({ type: 'ready' } satisfies WorkerMessage));

process.on('SIGTERM', () => {
  void worker.close(true).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
