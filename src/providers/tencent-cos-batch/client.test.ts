import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from '../../body/xml.js';
import { useFakeCloud, xmlReply, type FakeCloud } from '../test-cloud.js';
import type { CosBatchClient } from './client.js';
import { CreateJobError, isDuplicateRequest } from './errors.js';

const fake = useFakeCloud();
let cloud: FakeCloud;
let batch: CosBatchClient;
beforeAll(() => {
  cloud = fake.cloud;
  if (fake.clouds.cosBatch === undefined) throw new Error('no COS batch client');
  batch = fake.clouds.cosBatch;
});
const last = () => fake.last();

const REQUEST = {
  ConfirmationRequired: false,
  Description: 'copy (jobhook-x)',
  Priority: 10,
  RoleArn: 'qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole',
  Manifest: {
    Location: { ETag: '"abc"', ObjectArn: 'qcs::cos:ap-guangzhou:uid/1250000000:src-1250000000/m.csv' },
    Spec: { Format: 'COSBatchOperations_CSV_V1', Fields: { member: ['Bucket', 'Key'] } },
  },
  Operation: { COSPutObjectCopy: { TargetResource: 'qcs::cos:ap-guangzhou:uid/1250000000:dst-1250000000' } },
  Report: { Enabled: 'false' },
};

const errorXml = (code: string, message: string) =>
  `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>NjQ-b</RequestId></Error>`;

describe('COS batch client', () => {
  it('CreateJob: POST /jobs on the control host with x-cos-appid signed and ClientRequestToken set', async () => {
    cloud.reply = () =>
      xmlReply('<CreateJobResult><JobId>53dc6228-c50b-46f7-8ad7-65e7159f1aae</JobId></CreateJobResult>');
    const created = await batch.createJob('ap-guangzhou', REQUEST, 'jobhook-token-1');
    expect(created.JobId).toBe('53dc6228-c50b-46f7-8ad7-65e7159f1aae');
    const sent = last();
    expect([sent.method, sent.url, sent.apiPath, sent.signed]).toEqual([
      'POST',
      '/cos-batch/100000000001/ap-guangzhou/jobs',
      '/jobs',
      true,
    ]);
    expect(sent.headers['x-cos-appid']).toBe('1250000000');
    expect(new URLSearchParams(sent.headers.authorization).get('q-header-list')).toBe(
      'content-type;host;x-cos-appid',
    );
    const { root, value } = parseXml(sent.text);
    expect(root).toBe('CreateJobRequest');
    expect(value).toMatchObject({
      ClientRequestToken: 'jobhook-token-1',
      ConfirmationRequired: 'false',
      Priority: '10',
      Manifest: { Spec: { Fields: { member: ['Bucket', 'Key'] } } },
    });
  });

  it('CreateJob refusals of the documentation are typed', async () => {
    const cases = [
      [400, 'InvalidRequest', 'Duplicate request', 'duplicate-request', false],
      [400, 'InvalidArgument', 'Priority must be between 0 and 2147483647', 'priority-range', false],
      [400, 'MalformedXML', 'The XML you provided was not well-formed', 'malformed-xml', false],
      [400, 'TooManyJobs', 'too many jobs in active state', 'too-many-jobs', true],
    ] as const;
    for (const [status, code, message, reason, retryable] of cases) {
      cloud.reply = () => xmlReply(errorXml(code, message), status);
      const error = await batch.createJob('ap-guangzhou', REQUEST, 't').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CreateJobError);
      expect(error).toMatchObject({ code, reason, retryable, requestId: 'NjQ-b', status });
      expect(isDuplicateRequest(error)).toBe(reason === 'duplicate-request');
    }
  });

  it('DescribeJob reads DescribeJobResult.Job, FailureReasons as a list', async () => {
    cloud.reply = () =>
      xmlReply(
        '<DescribeJobResult><Job><JobId>j-1</JobId><Status>Failed</Status><Priority>10</Priority>' +
          '<CreationTime>2025-03-01T02:00:00Z</CreationTime><TerminationDate>2025-03-01T02:05:00Z</TerminationDate>' +
          '<FailureReasons><JobFailure><FailureCode>ManifestNotFound</FailureCode><FailureReason>no manifest</FailureReason></JobFailure></FailureReasons>' +
          '</Job></DescribeJobResult>',
      );
    const described = await batch.describeJob('ap-guangzhou', 'j-1');
    expect(described.Job).toMatchObject({ JobId: 'j-1', Status: 'Failed', Priority: '10' });
    expect(described.record).toMatchObject({
      Job: { FailureReasons: { JobFailure: [{ FailureCode: 'ManifestNotFound' }] } },
    });
    expect([last().method, last().apiPath, last().signed]).toEqual(['GET', '/jobs/j-1', true]);
  });

  it('ListJobs pages with nextToken and reads Jobs.member as a list', async () => {
    cloud.reply = () =>
      xmlReply(
        '<ListJobsResult><Jobs><member><JobId>j-1</JobId><Status>Active</Status><Description>d (jobhook-x)</Description></member></Jobs><NextToken>n-2</NextToken></ListJobsResult>',
      );
    const listed = await batch.listJobs('ap-guangzhou', {
      maxResults: 100,
      nextToken: 'n-1',
      jobStatuses: 'Active',
    });
    expect(listed.Jobs?.member?.map((j) => [j.JobId, j.Description])).toEqual([['j-1', 'd (jobhook-x)']]);
    expect(listed.NextToken).toBe('n-2');
    expect(Object.fromEntries(last().query)).toEqual({
      jobStatuses: 'Active',
      maxResults: '100',
      nextToken: 'n-1',
    });
    expect(last().signed).toBe(true);
  });

  it('a 404 is a final CloudError', async () => {
    cloud.reply = () => xmlReply(errorXml('NoSuchJob', 'The specified job does not exist'), 404);
    await expect(batch.describeJob('ap-guangzhou', 'gone')).rejects.toMatchObject({
      status: 404,
      code: 'NoSuchJob',
      retryable: false,
    });
  });
});
