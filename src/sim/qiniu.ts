import { Hono } from 'hono';
import { z } from 'zod';
import type { SimApi } from './apis.js';
import { qiniuAuthentication } from './auth.js';
import type { SimContext } from './context.js';
import { SimApiError } from './errors.js';
import { takeSpoof } from './faults.js';
import { apiHandler, rawStatusResponse, type ApiCall } from './handle.js';
import { spoofedPhase, type Notification, type Phase } from './jobs.js';
import { qiniuAuthorizationFor } from './qiniu-auth.js';
import { qiniuTime } from './times.js';
import type { OutDoc } from './xml.js';

/** `/qiniu` is one segment before the API's own path. */
const PREFIX_SEGMENTS = 1;

const CODES: Readonly<Record<Phase, number>> = {
  submitted: 1,
  running: 2,
  succeeded: 0,
  failed: 3,
  canceled: 3,
};
const DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: 'The fop was completed successfully',
  1: 'The fop is waiting',
  2: 'The fop is processing',
  3: 'The fop is failed',
};

/** The pfop form (formats.md §3.1). */
const PfopFormSchema = z
  .object({
    bucket: z.string().min(1, 'bucket is required'),
    key: z.string().min(1, 'key is required'),
    fops: z.string().optional(),
    notifyURL: z.url().optional(),
    force: z.enum(['0', '1']).optional(),
    pipeline: z.string().optional(),
    type: z.enum(['0', '1']).optional(),
    workflowTemplateID: z.string().optional(),
  })
  .refine(
    (form) => (form.fops ?? '') !== '' || (form.workflowTemplateID ?? '') !== '',
    'fops or workflowTemplateID is required',
  );

const badRequest = (message: string): SimApiError => new SimApiError(400, 'InvalidArgument', message);

/** The key a `saveas/<urlsafe base64 of bucket:key>` names, if the command has one. */
function savedKey(cmd: string): string | undefined {
  const saveas = /(?:^|\|)saveas\/([A-Za-z0-9_=-]+)/.exec(cmd)?.[1];
  if (saveas === undefined) return undefined;
  const entry = Buffer.from(saveas.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  const colon = entry.indexOf(':');
  return colon === -1 ? undefined : entry.slice(colon + 1);
}

/** Qiniu pfop under `/qiniu`: `POST /pfop/`, `GET /status/get/prefop?id=`; notifications to `notifyURL`. */
export function qiniuRoutes(sim: SimContext): Hono {
  const app = new Hono();
  const route = (api: SimApi, run: (call: ApiCall) => Response) =>
    apiHandler(sim, api, PREFIX_SEGMENTS, qiniuAuthentication(sim), run);
  const json = (call: ApiCall, body: unknown) =>
    new Response(JSON.stringify(body), {
      headers: { 'content-type': 'application/json', 'x-reqid': call.requestId },
    });

  const pfop = route('qiniu.pfop', (call) => {
    const parsed = PfopFormSchema.safeParse(
      Object.fromEntries(new URLSearchParams(call.body.toString('utf8'))),
    );
    if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'invalid form');
    const form = parsed.data;
    const id = `z0.${sim.random.hex(24)}`;
    const commands =
      (form.fops ?? '') === '' ? [`workflow:${form.workflowTemplateID ?? ''}`] : (form.fops ?? '').split(';');
    const outputs = commands.map((cmd) => ({
      cmd,
      key: savedKey(cmd) ?? `${form.key}.${sim.random.hex(8)}`,
      hash: `Fk${sim.random.hex(26)}`,
    }));
    const record = (phase: Phase): OutDoc => {
      const code = CODES[phase];
      return {
        id,
        pipeline: form.pipeline ?? '0.default',
        code,
        desc: DESCRIPTIONS[code],
        reqid: call.requestId,
        inputBucket: form.bucket,
        inputKey: form.key,
        type: Number(form.type ?? '0'),
        creationDate: qiniuTime(job.createdAt),
        items: outputs.map((item) =>
          code === 3
            ? {
                cmd: item.cmd,
                code: 3,
                desc: DESCRIPTIONS[3],
                error: 'execute fop cmd failed: simulated failure',
                errorIndex: 0,
                returnOld: 0,
              }
            : code === 0
              ? {
                  cmd: item.cmd,
                  code: 0,
                  desc: DESCRIPTIONS[0],
                  error: '',
                  hash: item.hash,
                  key: item.key,
                  returnOld: 0,
                }
              : { cmd: item.cmd, code, desc: DESCRIPTIONS[code] },
        ),
      };
    };
    const notifications = (): Notification[] => {
      if (form.notifyURL === undefined) return [];
      const body = JSON.stringify(record(job.phase));
      const url = new URL(form.notifyURL);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const key = sim.options.credentials.qiniu;
      if (key !== undefined)
        headers.authorization = qiniuAuthorizationFor(key, {
          method: 'POST',
          target: `${url.pathname}${url.search}`,
          host: url.host,
          contentType: 'application/json',
          headers: [],
          body: Buffer.from(body),
        });
      return [{ what: 'pfop', url: form.notifyURL, body, headers }];
    };
    const job = sim.jobs.add({
      id,
      api: 'qiniu.pfop',
      kind: 'pfop',
      scope: form.bucket,
      tag: undefined,
      createdAt: new Date(),
      objects: outputs.map((item) => item.key),
      record,
      notifications,
    });
    sim.run(job);
    return json(call, { persistentId: id });
  });
  app.post('/pfop/', pfop);
  app.post('/pfop', pfop);

  app.get(
    '/status/get/prefop',
    route('qiniu.prefop', (call) => {
      const id = call.url.searchParams.get('id') ?? '';
      const job = sim.jobs.all().find((candidate) => candidate.kind === 'pfop' && candidate.id === id);
      const phase = job && spoofedPhase(job.phase, takeSpoof(sim.faults));
      if (job === undefined || phase === undefined)
        return rawStatusResponse(call.c, 612, JSON.stringify({ error: 'not such id in prefop' }), {
          'content-type': 'application/json',
          'x-reqid': call.requestId,
        });
      return json(call, job.record(phase));
    }),
  );
  return app;
}
