import cluster from 'node:cluster';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { startService } from '../service.js';

/**
 * `JOBHOOK_HTTP_PROCESSES` > 1: receivers in child processes sharing one port (node:cluster), each with its own
 * Redis connection and spool segments. The primary resolved Redis and the tokens once and hands them down; a
 * receiver that dies is replaced.
 */
export async function forkReceivers(
  config: Config,
  redisUrl: string,
  tokens: readonly string[],
  logger: Logger,
): Promise<{ port: number; stop(): Promise<void> }> {
  let stopping = false;
  const env = {
    JOBHOOK_ROLE: 'http',
    JOBHOOK_HTTP_PROCESSES: '1',
    REDIS_URL: redisUrl,
    JOBHOOK_EMBEDDED_REDIS: 'never',
    ...(tokens.length > 0 ? { JOBHOOK_TOKENS: tokens.join(',') } : {}),
  };
  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(env);
      worker.once('listening', (address) => resolve(address.port));
      worker.once('exit', (code, signal) => {
        reject(new Error(`receiver process exited (${signal ?? code}) before listening`));
        if (stopping) return;
        logger.error({ pid: worker.process.pid, code, signal }, 'receiver process died: starting another');
        fork().catch((error: unknown) =>
          logger.error({ err: error }, 'could not replace a receiver process'),
        );
      });
    });
  const ports = await Promise.all(Array.from({ length: config.httpProcesses }, fork));
  logger.info({ processes: config.httpProcesses, port: ports[0] }, 'receiver processes listening');
  return {
    port: ports[0] ?? config.port,
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** A receiver process forked by `forkReceivers`: the http role only, stopped by its primary. */
export async function receiverProcess(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel).child({ receiver: cluster.worker?.id });
  const service = await startService({ config, logger, redisUrl: config.redisUrl, tokens: config.tokens });
  const stop = (): void => {
    void service.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined); // the primary decides; a terminal's ^C reaches every process
}
