import { z } from 'zod';
import { arrayPaths } from '../ensure-arrays.js';

/** Elements of CI API answers (formats.md §4.2) that may repeat, beyond those of callbacks (`CI_ARRAY_PATHS`). */
export const CI_API_ARRAY_PATHS = arrayPaths([
  'NonExistJobIds',
  'NonExistJobId',
  'QueueList',
  'NonExistPIDs',
  'JobsDetail.Operation.WorkflowIds',
]);

/** An optional text field: an empty element (`<Message/>`) or another shape reads as absent. */
const Text = z.string().optional().catch(undefined);
const Part = z.looseObject({}).optional().catch(undefined);

export const CiJob = z.looseObject({
  JobId: z.string().min(1),
  State: z.string().min(1),
  Tag: Text,
  Code: Text,
  Message: Text,
  CreationTime: Text,
  QueueId: Text,
  Operation: z.looseObject({ UserData: Text }).optional().catch(undefined),
});
export type CiJob = z.infer<typeof CiJob>;

const Ids = z.array(z.string()).optional().catch(undefined);

export const CiJobsAnswer = z.looseObject({
  JobsDetail: z.array(CiJob).optional(),
  NonExistJobIds: Ids,
  NextToken: Text,
});

/** The answer of a create: the new job first. */
export const CiCreatedAnswer = CiJobsAnswer.extend({ JobsDetail: z.tuple([CiJob], CiJob) });

export const CiWorkflowAnswer = z.looseObject({
  WorkflowExecution: z.array(z.looseObject({ RunId: z.string().min(1), State: z.string() })).optional(),
});

export const CiTriggerAnswer = z.looseObject({ InstanceId: z.string().min(1), RequestId: Text });

export const CiInventoryJob = z.looseObject({
  JobId: z.string().min(1),
  State: z.string().min(1),
  Name: Text,
  Type: Text,
  Code: Text,
  Message: Text,
  CreationTime: Text,
  StartTime: Text,
  EndTime: Text,
  Input: Part,
  Operation: Part,
});
export type CiInventoryJob = z.infer<typeof CiInventoryJob>;

export const CiInventoryAnswer = z.looseObject({
  RequestId: Text,
  JobsDetail: z.array(CiInventoryJob).optional(),
  NonExistJobId: Ids,
  NextToken: Text,
});

export const CiQueuesAnswer = z.looseObject({
  RequestId: Text,
  TotalCount: Text,
  PageNumber: Text,
  PageSize: Text,
  QueueList: z.array(z.looseObject({ QueueId: Text, Name: Text, State: Text })).optional(),
  NonExistPIDs: Ids,
});

export const CiQueueAnswer = z.looseObject({
  RequestId: Text,
  Queue: z.looseObject({ QueueId: Text, Name: Text, State: Text }),
});
