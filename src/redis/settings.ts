import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../log.js';

/** A Redis setting that can lose acknowledged callbacks, with what to do about it. */
export interface SettingWarning {
  readonly setting: string;
  readonly value: string;
  readonly advice: string;
}

const CHECKS: readonly { setting: string; ok: (value: string) => boolean; advice: string }[] = [
  {
    setting: 'appendonly',
    ok: (v) => v === 'yes',
    advice: 'without the append-only file a Redis restart loses every stored callback: set appendonly yes',
  },
  {
    setting: 'appendfsync',
    ok: (v) => v === 'always' || v === 'everysec',
    advice:
      'appendfsync no can lose many seconds of stored callbacks on a crash: use always (or everysec, up to 1 s)',
  },
  {
    setting: 'maxmemory-policy',
    ok: (v) => v === 'noeviction',
    advice:
      'an eviction policy silently deletes queued events when memory fills: set maxmemory-policy noeviction',
  },
];

/** Reads the settings that decide whether a 2xx can be kept; warns about each unsafe one. Never throws. */
export async function checkRedisSettings(redis: Redis | Cluster, logger: Logger): Promise<SettingWarning[]> {
  const warnings: SettingWarning[] = [];
  for (const check of CHECKS) {
    let value: string | undefined;
    try {
      const reply = (await redis.config('GET', check.setting)) as unknown;
      value = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
    } catch (error) {
      logger.warn(
        { setting: check.setting, err: error instanceof Error ? error.message : String(error) },
        'could not read a Redis setting (CONFIG GET refused?): make sure it is safe',
      );
      continue;
    }
    if (value !== undefined && !check.ok(value))
      warnings.push({ setting: check.setting, value, advice: check.advice });
  }
  for (const warning of warnings)
    logger.warn(warning, `unsafe Redis setting ${warning.setting}=${warning.value}`);
  return warnings;
}
