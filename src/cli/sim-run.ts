import { createLogger } from '../log.js';
import type { SimOptions } from '../sim/options.js';
import { startSimulator } from '../sim/server.js';
import type { CliEnvironment } from './context.js';

/** `jobhook sim`, once its flags are read: listens, prints the endpoints, runs until SIGINT or SIGTERM (exit 0). */
export async function runSimulator(cli: CliEnvironment, options: SimOptions): Promise<void> {
  const logger = createLogger(cli.env.LOG_LEVEL ?? 'info', cli.stderr).child({ role: 'sim' });
  const running = await startSimulator(options, logger);
  const { credentials } = running.sim.options;
  if (credentials.tencent === undefined)
    logger.warn(
      'no Tencent credentials (TENCENTCLOUD_SECRET_ID/KEY or flags): CI and COS batch calls are refused',
    );
  if (credentials.qiniu === undefined)
    logger.warn('no Qiniu credentials (QINIU_ACCESS_KEY/SECRET_KEY or flags): Qiniu calls are refused');
  cli.stdout.write(`jobhook sim listening on ${running.url}; point jobhook at it with:\n`);
  for (const [name, value] of Object.entries(running.endpoints)) cli.stdout.write(`  ${name}=${value}\n`);
  cli.stdout.write(
    `control API: ${running.url}/_sim/faults, ${running.url}/_sim/jobs, POST ${running.url}/_sim/reset\n`,
  );
  logger.info(
    { url: running.url, delayMs: options.delayMs, seed: options.seed, faults: running.sim.faults },
    'simulator started',
  );

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
