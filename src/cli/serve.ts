import type { Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { exitFailedStart } from './output.js';

const SERVE_HELP = `
jobhook with no command runs this too (npm start). There are no flags: the service is configured by its
environment only, read and checked once at start (an invalid value exits 2, naming the variable):
  PORT, HOST            listen address (8080, 0.0.0.0)
  REDIS_URL             Redis or Valkey (redis://127.0.0.1:6379); nothing answering at a local URL and
                        redis-server installed: a private one is started (JOBHOOK_EMBEDDED_REDIS=never: not)
  JOBHOOK_TOKENS        accepted tokens, comma-separated (generated into JOBHOOK_DATA_DIR on first start)
  JOBHOOK_ROLE          all, http (receiver only) or worker (handlers only)
  JOBHOOK_CONFIG        the handler configuration file (default ./jobhook.config.{json,yaml,yml,mjs,js})
  LOG_LEVEL             pino level (info)
and the others in the Configuration section of README.md. SIGTERM or SIGINT stops it gracefully (exit 0).

Example:
  $ PORT=8080 REDIS_URL=redis://127.0.0.1:6379 JOBHOOK_CONFIG=./jobhook.config.yaml jobhook serve
`;

/** `jobhook serve`: a failure to start exits at once, as the service always has (config 2, anything else 1). */
export function addServeCommand(program: Command, cli: CliEnvironment): void {
  program
    .command('serve')
    .description('run the service: receive callbacks, store events, run handlers (the default command)')
    .addHelpText('after', SERVE_HELP)
    .action(async () => {
      try {
        // The service's modules are loaded only when it runs: usage errors and --help stay quick.
        const { serve } = await import('./serve-run.js');
        await serve(cli);
      } catch (error) {
        exitFailedStart(cli, error);
      }
    });
}
