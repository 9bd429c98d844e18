import type { Redis } from 'ioredis';
import { expect } from 'vitest';

/**
 * Everything Redis holds under a key prefix, for comparing what jobhook's scripts write with what BullMQ's
 * `Queue.add` writes under another prefix: jobs (creation time left out, options parsed), lists, sorted sets,
 * streams (without their ids and times) and plain keys, each with its TTL class (none, about `windowMs`, other).
 */
export async function prefixState(redis: Redis, prefix: string, windowMs: number): Promise<unknown> {
  const keys = (await redis.keys(`${prefix}:*`)).map((key) => key.slice(prefix.length)).sort();
  const stateOf = async (key: string): Promise<unknown> => {
    const full = prefix + key;
    const type = await redis.type(full);
    const pttl = await redis.pttl(full);
    const ttl = pttl < 0 ? pttl : pttl > windowMs - 60_000 ? 'window' : 'other';
    if (type === 'hash' && key.endsWith(':meta')) return { type, ttl, value: await redis.hgetall(full) };
    if (type === 'hash') return { type, ttl, value: await jobHash(redis, full) };
    if (type === 'list') return { type, ttl, value: await redis.lrange(full, 0, -1) };
    if (type === 'zset') return { type, ttl, value: await redis.call('ZRANGE', full, 0, -1, 'WITHSCORES') };
    if (type === 'stream') return { type, ttl, value: await streamEvents(redis, full) };
    return { type, ttl, value: await redis.get(full) };
  };
  return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await stateOf(key)])));
}

/** A job hash with the field that differs by design (its creation time) taken out, `opts` parsed. */
export async function jobHash(redis: Redis, key: string): Promise<Record<string, unknown>> {
  const { timestamp, opts, ...rest } = await redis.hgetall(key);
  expect(Number(timestamp)).toBeGreaterThan(Date.now() - 60_000);
  return { ...rest, opts: JSON.parse(opts ?? 'null') as unknown };
}

/** The events BullMQ wrote to a queue's event stream, without their stream ids and times. */
export async function streamEvents(redis: Redis, key: string): Promise<string[][]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => fields);
}
