import { Hono } from 'hono';
import type { Logger } from '../log.js';
import { ciRoutes } from './ci-routes.js';
import { SimContext } from './context.js';
import { controlRoutes } from './control.js';
import { cosBatchRoutes } from './cos-batch.js';
import { SimOptionsSchema, type SimOptionsInput } from './options.js';
import { qiniuRoutes } from './qiniu.js';

export interface Simulator {
  readonly app: Hono;
  readonly sim: SimContext;
}

/** The simulated clouds on one Hono app: `/ci/<bucket>/<region>`, `/cos-batch/<uin>/<region>`, `/qiniu`, `/_sim`. */
export function createSimulator(options: SimOptionsInput, logger: Logger): Simulator {
  const sim = new SimContext(SimOptionsSchema.parse(options), logger);
  const app = new Hono();
  app.route('/ci/:bucket/:region', ciRoutes(sim));
  app.route('/cos-batch/:uin/:region', cosBatchRoutes(sim));
  app.route('/qiniu', qiniuRoutes(sim));
  app.route('/_sim', controlRoutes(sim));
  app.notFound((c) =>
    c.json({ error: { code: 'NotFound', message: `${c.req.method} ${c.req.path} is not simulated` } }, 404),
  );
  return { app, sim };
}
