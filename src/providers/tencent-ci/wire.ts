import { z } from 'zod';

/**
 * The parts of CI callbacks that jobhook reads, as zod schemas (formats.md §1). Everything else stays in
 * `detail`. Scalars may arrive as strings (XML, most JSON) or numbers (some JSON); empty XML elements are "".
 * Only the identity of a job (JobId, State) is required: an optional part of an unexpected shape is read as
 * absent (it is still in `detail`), it does not send the whole callback to quarantine.
 */
const Text = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const OptionalText = Text.optional().catch(undefined);
/** An optional container that an empty XML element (`<Input/>` → "") leaves out. */
const container = <T extends z.ZodRawShape>(shape: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.looseObject(shape).optional()).catch(undefined);
const list = <T extends z.ZodType>(item: T) => z.array(item).optional().catch(undefined);

const Location = { Region: OptionalText, Bucket: OptionalText, BucketId: OptionalText, Object: OptionalText };

const OutputFile = z.looseObject({
  Bucket: OptionalText,
  Region: OptionalText,
  ObjectName: list(Text),
  SpriteOutputFile: container({ Bucket: OptionalText, Region: OptionalText, ObjectName: list(Text) }),
});

const PageInfo = z.looseObject({ TgtUri: OptionalText });

export const Operation = z.looseObject({
  Output: container(Location),
  UserData: OptionalText,
  MediaResult: container({ OutputFile: list(OutputFile) }),
  FileCompressResult: container(Location),
  DocProcessResult: container({ PageInfo: list(PageInfo) }),
});

export const JobDetail = z.looseObject({
  JobId: Text.pipe(z.string().min(1)),
  State: Text,
  Tag: OptionalText,
  Code: OptionalText,
  Message: OptionalText,
  QueueId: OptionalText,
  CreationTime: OptionalText,
  StartTime: OptionalText,
  EndTime: OptionalText,
  Input: container(Location),
  Operation: z.preprocess((v) => (v === '' ? undefined : v), Operation.optional()).catch(undefined),
  Workflow: container({
    Name: OptionalText,
    RunId: OptionalText,
    WorkflowId: OptionalText,
    WorkflowName: OptionalText,
  }),
});
export type JobDetail = z.infer<typeof JobDetail>;

export const WorkflowTask = z.looseObject({
  Type: OptionalText,
  JobId: OptionalText,
  State: Text,
  Name: OptionalText,
  TemplateId: OptionalText,
  TemplateName: OptionalText,
  CreateTime: OptionalText,
  EndTime: OptionalText,
});

export const WorkflowExecution = z.looseObject({
  RunId: Text.pipe(z.string().min(1)),
  WorkflowId: OptionalText,
  WorkflowName: OptionalText,
  State: Text,
  BucketId: OptionalText,
  Object: OptionalText,
  CreateTime: OptionalText,
  Tasks: list(WorkflowTask),
});
export type WorkflowExecution = z.infer<typeof WorkflowExecution>;

export const TaskFinish = z.looseObject({ EventName: OptionalText, JobsDetail: z.array(JobDetail).min(1) });
export const WorkflowFinish = z.looseObject({
  EventName: OptionalText,
  WorkflowExecution: z.array(WorkflowExecution).min(1),
});
