import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, parseEmbeddedDocument } from '../body/parse.js';
import { createLogger } from '../log.js';
import { createProviders } from '../providers/index.js';
import type { Normalized } from '../providers/types.js';
import { createCiJob, type CiJobPath } from './ci-jobs.js';
import { CiJobRequestSchema } from './ci-request.js';
import { startWorkflowRun } from './ci-workflows.js';
import { SimContext } from './context.js';
import type { Notification, SimJob } from './jobs.js';
import { SimOptionsSchema } from './options.js';
import { readXml } from './xml.js';

const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';
const providers = createProviders({ qiniuKeys: [], limits: DEFAULT_DOCUMENT_LIMITS });

const simContext = () =>
  new SimContext(
    SimOptionsSchema.parse({ tdmqUrl: 'http://hooks.test/v1/callbacks/tdmq' }),
    createLogger('silent'),
  );

/** What jobhook's own provider makes of a callback the simulator would send (the reference for every shape). */
function received(notification: Notification | undefined): Normalized {
  if (notification === undefined) throw new Error('no callback');
  const route = notification.what.startsWith('tdmq') ? 'tdmq' : 'tencent-ci';
  const provider = providers.byRoute.get(route);
  if (provider === undefined) throw new Error(route);
  return provider.normalize(
    parseEmbeddedDocument(notification.body),
    {
      method: 'POST',
      pathAndQuery: `/v1/callbacks/${route}`,
      headers: notification.headers,
      body: Buffer.from(notification.body),
    },
    { channel: route === 'tdmq' ? 'tdmq' : 'http', receivedAt: new Date().toISOString() },
  );
}

const end = (job: SimJob, phase: 'succeeded' | 'failed') => {
  job.phase = phase;
  job.startedAt = new Date();
  job.endedAt = new Date();
};

const REQUESTS: Readonly<Record<CiJobPath, string>> = {
  file_jobs:
    '<Request><Tag>FileCompress</Tag><Input><Object>a/</Object></Input><Operation><Output><Object>out/a.zip</Object></Output><UserData>u</UserData></Operation>',
  jobs: '<Request><Tag>Transcode</Tag><Input><Object>a.mov</Object></Input><Operation><Output><Object>out/${InputName}.mp4</Object></Output><UserData>u</UserData></Operation>',
  doc_jobs:
    '<Request><Tag>DocProcess</Tag><Input><Object>a.docx</Object></Input><Operation><Output><Object>out/a-${Page}.jpg</Object></Output><UserData>u</UserData></Operation>',
};

function ciJob(sim: SimContext, path: CiJobPath, callback: string): SimJob {
  const { content } = readXml(`${REQUESTS[path]}${callback}</Request>`);
  return createCiJob(sim, {
    path,
    bucket: BUCKET,
    region: REGION,
    request: CiJobRequestSchema.parse(content),
    raw: content,
  });
}

describe("the simulator's callbacks, read by jobhook's own providers", () => {
  const cases = [
    ['file_jobs', 'XML', 'out/a.zip'],
    ['file_jobs', 'JSON', 'out/a.zip'],
    ['jobs', 'XML', 'out/a.mp4'],
    ['jobs', 'JSON', 'out/a.mp4'],
    ['doc_jobs', 'XML', 'out/a-1.jpg'],
    ['doc_jobs', 'JSON', 'out/a-1.jpg'],
  ] as const;

  it.each(cases)('%s TaskFinish as %s, over HTTP and as a TDMQ push', (path, format, output) => {
    const sim = simContext();
    for (const callback of [
      `<CallBack>http://hooks.test/cb</CallBack><CallBackFormat>${format}</CallBackFormat>`,
      `<CallBackType>TDMQ</CallBackType><CallBackMqConfig><MqName>t</MqName></CallBackMqConfig><CallBackFormat>${format}</CallBackFormat>`,
    ]) {
      const job = ciJob(sim, path, callback);
      end(job, 'succeeded');
      const normalized = received(job.notifications()[0]);
      expect(normalized).toMatchObject({
        ok: true,
        events: [{ type: 'tencent.ci.job.succeeded', subject: job.id }],
      });
      if (!normalized.ok) continue;
      expect(normalized.events[0]?.data).toMatchObject({
        userData: 'u',
        input: { bucket: BUCKET, region: REGION },
      });
      expect(normalized.events[0]?.data.outputs.map((o) => o.object)).toContain(output);
    }
    sim.stopTimers();
  });

  it('a failed job is tencent.ci.job.failed with its code', () => {
    const sim = simContext();
    const job = ciJob(sim, 'file_jobs', '<CallBack>http://hooks.test/cb</CallBack>');
    end(job, 'failed');
    expect(received(job.notifications()[0])).toMatchObject({
      ok: true,
      events: [{ type: 'tencent.ci.job.failed', data: { code: 'InternalError', outputs: [] } }],
    });
  });

  it.each([
    ['XML', 'Url'],
    ['JSON', 'Url'],
    ['XML', 'TDMQ'],
  ])('a workflow run: TaskFinish of its node and WorkflowFinish, as %s by %s', (format, type) => {
    const sim = simContext();
    const queue = sim.queues.of(`${BUCKET}/${REGION}`, 'media');
    queue.notifyConfig = {
      Url: 'http://hooks.test/cb',
      State: 'On',
      Type: type,
      Event: 'TaskFinish,WorkflowFinish',
      ResultFormat: format,
    };
    const run = startWorkflowRun(sim, BUCKET, REGION, 'w0123456789abcdef0123456789abcdef', 'raw/clip.mov');
    sim.stopTimers();
    end(run, 'succeeded');
    const node = sim.jobs.list('media', `${BUCKET}/${REGION}`)[0];
    if (node === undefined) throw new Error('no node job');
    end(node, 'succeeded');
    const [task, finish] = run.notifications();
    expect(received(task)).toMatchObject({
      ok: true,
      events: [{ type: 'tencent.ci.job.succeeded', subject: node.id, data: { workflow: { runId: run.id } } }],
    });
    expect(received(finish)).toMatchObject({
      ok: true,
      events: [
        {
          type: 'tencent.ci.workflow.succeeded',
          subject: run.id,
          data: { tasks: [{ jobId: node.id, state: 'succeeded' }] },
        },
      ],
    });
  });

  it('sends nothing when neither the request nor its queue asks for a callback', () => {
    const sim = simContext();
    const job = ciJob(sim, 'jobs', '');
    end(job, 'succeeded');
    expect(job.notifications()).toEqual([]);
    sim.stopTimers();
  });
});
