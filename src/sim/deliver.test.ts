import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { Deliverer } from './deliver.js';
import { FaultsSchema, type Faults } from './faults.js';
import { JobStore, type SimJob } from './jobs.js';
import { createRandom } from './rng.js';

let server: Server;
let url = '';
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(body);
      response.statusCode = request.url === '/refuse' ? 503 : 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const job = (): SimJob =>
  new JobStore().add({
    id: 'f1',
    api: 'ci.create-job',
    kind: 'file',
    scope: 'b/r',
    tag: 'FileHashCode',
    createdAt: new Date(),
    objects: [],
    record: () => ({}),
    notifications: () => [],
  });

const deliverer = (faults: Faults) => new Deliverer(() => faults, createRandom(1), createLogger('silent'));
const note = (path: string, body = 'x') => ({ what: 'TaskFinish', url: `${url}${path}`, body, headers: {} });

describe('Deliverer', () => {
  it('counts what it sends, what is answered 2xx and what is not', async () => {
    const d = deliverer(FaultsSchema.parse({}));
    const j = job();
    d.deliver(j, note('/ok'));
    d.deliver(j, note('/refuse'));
    d.deliver(j, { ...note('/ok'), url: 'http://127.0.0.1:1/closed' });
    await d.idle();
    expect(j.callbacks).toEqual({ planned: 3, dropped: 0, duplicated: 0, delivered: 1, failed: 2 });
  });

  it('drops, duplicates and reorders by the knobs', async () => {
    const faults = FaultsSchema.parse({ drop: { next: 1 }, duplicate: { next: 1 } });
    const d = deliverer(faults);
    const j = job();
    d.deliver(j, note('/ok', 'dropped'));
    d.deliver(j, note('/ok', 'twice'));
    await d.idle();
    expect(j.callbacks).toMatchObject({ planned: 2, dropped: 1, duplicated: 1, delivered: 2 });
    bodies.length = 0;
    faults.reorder = 3;
    faults.reorderMaxWaitMs = 60_000;
    for (const body of ['1', '2', '3']) d.deliver(j, note('/ok', body));
    await d.idle();
    expect(bodies).toEqual(['3', '2', '1']);
  });
});
