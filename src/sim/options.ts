import { z } from 'zod';
import { FaultsSchema } from './faults.js';

const Text = z.string().min(1);

/** How a simulator is started (flags and environment, read once by the `sim` command). */
export const SimOptionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(9000),
  host: z.string().min(1).default('127.0.0.1'),
  /** From submission to the end of a job, ms (half of it to Running). */
  delayMs: z.number().int().min(0).default(1000),
  /** CI callbacks whose request and queue name no format. */
  callbackFormat: z.enum(['XML', 'JSON']).default('XML'),
  /** Where TDMQ deliveries (`CallBackType: TDMQ`) are pushed, as a CMQ topic subscription would. */
  tdmqUrl: z.url().optional(),
  seed: z.number().int().optional(),
  /** Non-terminal COS batch jobs allowed at once; one more is `TooManyJobs`. */
  maxActiveBatchJobs: z.number().int().min(1).default(100),
  credentials: z
    .strictObject({
      tencent: z.strictObject({ secretId: Text, secretKey: Text }).optional(),
      appId: Text.optional(),
      uin: Text.optional(),
      qiniu: z.strictObject({ accessKey: Text, secretKey: Text }).optional(),
    })
    .default({}),
  faults: FaultsSchema.default(FaultsSchema.parse({})),
});

export type SimOptions = z.infer<typeof SimOptionsSchema>;
export type SimOptionsInput = z.input<typeof SimOptionsSchema>;
