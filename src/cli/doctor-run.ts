import { readStoredToken } from '../auth/token-file.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger, redactUrl } from '../log.js';
import { readCloudsConfig, type CloudsConfig } from '../providers/clouds-config.js';
import { checkCloudNeeds } from '../queue/cloud-role.js';
import { checkRedisSettings } from '../redis/settings.js';
import { readHandlerConfig, withRedis, type CliEnvironment } from './context.js';
import { cloudChecks, publicUrlCheck } from './doctor-clouds.js';
import { createOutput, EXIT, table, type ExitCode } from './output.js';

export interface DoctorOptions {
  readonly bucket?: string;
  readonly region?: string;
  readonly json?: boolean;
}

/** One finding: `warn` is what is merely not configured (or cannot be told); `fail` is what is wrong. */
export interface Check {
  readonly check: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly message: string;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `jobhook doctor`: every check runs, whatever the others found; exit 1 when any failed. */
export async function doctor(cli: CliEnvironment, options: DoctorOptions): Promise<ExitCode> {
  const checks: Check[] = [];
  let config: Config | undefined;
  let clouds: CloudsConfig | undefined;
  try {
    config = loadConfig(cli.env);
    checks.push({ check: 'environment', status: 'ok', message: 'the service environment is valid' });
  } catch (error) {
    checks.push({ check: 'environment', status: 'fail', message: message(error) });
  }
  try {
    clouds = readCloudsConfig(cli.env);
    checks.push({ check: 'cloud environment', status: 'ok', message: 'credentials and endpoints are valid' });
  } catch (error) {
    checks.push({ check: 'cloud environment', status: 'fail', message: message(error) });
  }
  if (config !== undefined) {
    checks.push(await tokenCheck(config));
    checks.push(await handlersCheck(config, clouds, cli));
    checks.push(...(await redisChecks(config)));
  }
  if (clouds !== undefined) checks.push(...(await cloudChecks(clouds, options)));
  if (config !== undefined) checks.push(await publicUrlCheck(config.publicUrl));
  return report(cli, options, checks);
}

async function tokenCheck(config: Config): Promise<Check> {
  const check = 'token';
  if (config.tokens.length > 0)
    return { check, status: 'ok', message: `JOBHOOK_TOKENS: ${config.tokens.length} token(s)` };
  if (config.allowUnauthenticated)
    return { check, status: 'warn', message: 'JOBHOOK_ALLOW_UNAUTHENTICATED: callbacks need no token' };
  try {
    return (await readStoredToken(config.dataDir)) === undefined
      ? {
          check,
          status: 'warn',
          message: `no JOBHOOK_TOKENS and no ${config.dataDir}/token yet: the service generates one on its first start`,
        }
      : { check, status: 'ok', message: `the token in ${config.dataDir}/token` };
  } catch (error) {
    return { check, status: 'fail', message: `${config.dataDir}/token cannot be read: ${message(error)}` };
  }
}

async function handlersCheck(
  config: Config,
  clouds: CloudsConfig | undefined,
  cli: CliEnvironment,
): Promise<Check> {
  const check = 'configuration file';
  try {
    const handlers = await readHandlerConfig(config, cli);
    if (handlers.file === undefined)
      return { check, status: 'warn', message: 'none (JOBHOOK_CONFIG, ./jobhook.config.*): no handlers run' };
    checkCloudNeeds(handlers, clouds);
    const count = `${handlers.handlers.length} handler(s), ${handlers.subscriptions.length} subscription(s)`;
    return { check, status: 'ok', message: `${handlers.file}: ${count}` };
  } catch (error) {
    return { check, status: 'fail', message: message(error) };
  }
}

async function redisChecks(config: Config): Promise<Check[]> {
  const where = config.redisUrl.split(',').map(redactUrl).join(',');
  try {
    return await withRedis(config, async (redis) => {
      const unsafe = await checkRedisSettings(redis, createLogger('silent'));
      return [
        { check: 'redis', status: 'ok', message: `${where} answers` },
        ...unsafe.map((w): Check => ({
          check: 'redis',
          status: 'fail',
          message: `${w.setting} ${w.value}: ${w.advice}`,
        })),
      ];
    });
  } catch (error) {
    return [{ check: 'redis', status: 'fail', message: message(error) }];
  }
}

function report(cli: CliEnvironment, options: DoctorOptions, checks: readonly Check[]): ExitCode {
  const out = createOutput(cli, options.json === true);
  const failed = [...new Set(checks.filter((c) => c.status === 'fail').map((c) => c.check))];
  if (out.json) out.printJson({ ok: failed.length === 0, checks });
  else {
    const rows = checks.map((c) => [c.status === 'fail' ? 'FAIL' : c.status, c.check, c.message]);
    for (const line of table(['STATUS', 'CHECK', 'MESSAGE'], rows)) out.line(line);
    const warnings = checks.filter((c) => c.status === 'warn').length;
    out.line(
      failed.length === 0
        ? `nothing is wrong${warnings === 0 ? '' : ` (${warnings} warning(s): not configured)`}`
        : `failed: ${failed.join(', ')}`,
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}
