#!/usr/bin/env node
import cluster from 'node:cluster';
import { runCli } from './cli/program.js';

/**
 * The package's bin, `jobhook`: the command line (src/cli/), whose default command is the service. A process forked
 * by the service as a receiver (`JOBHOOK_HTTP_PROCESSES` > 1) reads no arguments: it is a receiver.
 */
if (cluster.isPrimary) {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (code !== undefined) process.exitCode = code;
} else {
  const { receiverProcess } = await import('./cli/serve-receivers.js');
  receiverProcess().catch((error: unknown) => {
    process.stderr.write(
      `jobhook: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
