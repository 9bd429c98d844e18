import { z } from 'zod';
import { arrayPaths } from '../ensure-arrays.js';

/** Elements of COS batch answers (formats.md §4.3) that may repeat. */
export const BATCH_ARRAY_PATHS = arrayPaths([
  'Jobs.member',
  'Job.FailureReasons.JobFailure',
  'Job.Manifest.Spec.Fields.member',
]);

const Text = z.string().optional().catch(undefined);

export const CreateJobAnswer = z.looseObject({ JobId: z.string().min(1) });

export const BatchJob = z.looseObject({
  JobId: z.string().min(1),
  Status: z.string().min(1),
  Description: Text,
  Priority: Text,
  CreationTime: Text,
  TerminationDate: Text,
  StatusUpdateReason: Text,
});
export type BatchJob = z.infer<typeof BatchJob>;

export const DescribeJobAnswer = z.looseObject({ Job: BatchJob });

export const ListJobsAnswer = z.looseObject({
  Jobs: z
    .looseObject({ member: z.array(BatchJob).optional() })
    .optional()
    .catch(undefined),
  NextToken: Text,
});
