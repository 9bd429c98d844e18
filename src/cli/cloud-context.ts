import type { Config } from '../config.js';
import { createClouds } from '../providers/clouds.js';
import type { TencentCiClient } from '../providers/tencent-ci/client.js';
import { cliLogger, readClouds, type CliEnvironment } from './context.js';
import { CliFailure, EXIT } from './output.js';

/** The signed CI client from the environment (CONTRACT.md §6.1); without the Tencent key it is bad usage (exit 2). */
export function ciClient(config: Config, cli: CliEnvironment): TencentCiClient {
  const clouds = createClouds(readClouds(cli.env), { logger: cliLogger(config, cli) });
  if (clouds.tencentCi === undefined)
    throw new CliFailure(
      'the Tencent CI API needs TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY',
      EXIT.usage,
    );
  return clouds.tencentCi;
}

/** A cloud call that failed is what was asked for failing (exit 1), with the provider's code and message. */
export async function cloudCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new CliFailure(`${what}: ${error instanceof Error ? error.message : String(error)}`, EXIT.failed);
  }
}
