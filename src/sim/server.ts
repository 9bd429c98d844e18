import { serve } from '@hono/node-server';
import type { Logger } from '../log.js';
import { createSimulator } from './app.js';
import type { SimContext } from './context.js';
import type { SimOptionsInput } from './options.js';

export interface RunningSimulator {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly sim: SimContext;
  /** The endpoint templates to give jobhook (CONTRACT.md §6.1). */
  readonly endpoints: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** The base URLs jobhook's clients take, with `{bucket}`, `{region}`, `{uin}` left for them to fill. */
const endpointsOf = (url: string): Readonly<Record<string, string>> => ({
  JOBHOOK_TENCENT_CI_ENDPOINT: `${url}/ci/{bucket}/{region}`,
  JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: `${url}/cos-batch/{uin}/{region}`,
  JOBHOOK_QINIU_API_ENDPOINT: `${url}/qiniu`,
});

/** Starts the simulator on a real socket; resolves once it listens. */
export async function startSimulator(options: SimOptionsInput, logger: Logger): Promise<RunningSimulator> {
  const { app, sim } = createSimulator(options, logger);
  const host = sim.options.host;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: sim.options.port, hostname: host }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the simulator listens on no TCP port');
  const { port } = address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    sim,
    endpoints: endpointsOf(url),
    stop: async () => {
      sim.stopTimers();
      sim.deliverer.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
