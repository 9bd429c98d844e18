import { z } from 'zod';

/** Qiniu pfop notifications (formats.md §3.2; the V3 workflow schema of §3.5). */
/** An integer as a number or a digit string; only safe integers (a longer one is not a status code). */
const Code = z.union([
  z.int(),
  z
    .string()
    .regex(/^-?\d{1,15}$/)
    .transform(Number),
]);
/** An optional number of an item: an unexpected value reads as absent (it stays in `detail`). */
const OptionalCount = Code.optional().catch(undefined);
const OptionalText = z.union([z.string(), z.number()]).transform(String).optional();

export const PfopItem = z.looseObject({
  cmd: z.string().optional(),
  code: Code.optional(),
  desc: OptionalText,
  error: OptionalText,
  errorIndex: OptionalCount,
  hash: OptionalText,
  key: OptionalText,
  keys: z.array(z.string()).optional(),
  returnOld: OptionalCount,
});
export type PfopItem = z.infer<typeof PfopItem>;

export const PfopNotification = z.looseObject({
  id: z.string().min(1),
  code: Code,
  desc: OptionalText,
  inputKey: OptionalText,
  inputBucket: OptionalText,
  pipeline: OptionalText,
  creationDate: OptionalText,
  items: z.array(PfopItem).optional(),
});
export type PfopNotification = z.infer<typeof PfopNotification>;

export const WorkflowV3Notification = z.looseObject({
  version: z.literal('v3'),
  id: z.string().min(1),
  code: Code,
  desc: OptionalText,
  pipeline: OptionalText,
  created_at: z.number().optional(),
  input: z.looseObject({ bucket: OptionalText, key: OptionalText }).optional(),
});
export type WorkflowV3Notification = z.infer<typeof WorkflowV3Notification>;
