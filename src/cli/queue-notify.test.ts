import { describe, expect, it } from 'vitest';
import { findQueue, notifyRequest, queueView } from './queue-notify.js';

const queue = {
  QueueId: 'p1',
  Name: 'night',
  State: 'Paused',
  NotifyConfig: {
    Url: 'https://old.example/x?token=old-secret',
    State: 'On',
    Type: 'Url',
    Event: 'TaskFinish',
    ResultFormat: 'JSON',
  },
};

describe('notifyRequest', () => {
  it('keeps name and state, turns notifications on, keeps the queue own format unless one is asked', () => {
    expect(notifyRequest('media', queue, 'https://h/v1/callbacks/tencent-ci?token=t', undefined)).toEqual({
      Name: 'night',
      QueueID: 'p1',
      State: 'Paused',
      NotifyConfig: {
        Url: 'https://h/v1/callbacks/tencent-ci?token=t',
        State: 'On',
        Type: 'Url',
        Event: 'TaskFinish,WorkflowFinish',
        ResultFormat: 'JSON',
      },
    });
    expect(notifyRequest('pic', queue, 'u', 'XML').NotifyConfig.ResultFormat).toBe('XML');
    expect(
      notifyRequest('file', { ...queue, NotifyConfig: undefined }, 'u', undefined).NotifyConfig.ResultFormat,
    ).toBe('XML');
  });

  it('doc queues: TaskFinish only and no ResultFormat', () => {
    expect(notifyRequest('doc', queue, 'u', undefined).NotifyConfig).toEqual({
      Url: 'u',
      State: 'On',
      Type: 'Url',
      Event: 'TaskFinish',
    });
  });
});

describe('findQueue and queueView', () => {
  it('finds the queue by id and redacts the token of its URL', () => {
    const found = findQueue({ QueueList: [{ QueueId: 'p0', Name: 'a', State: 'Active' }, queue] }, 'p1');
    expect(found?.Name).toBe('night');
    expect(findQueue({ QueueList: [] }, 'p1')).toBeUndefined();
    expect(findQueue({}, 'p1')).toBeUndefined();
    expect(queueView(queue).notify.url).toBe('https://old.example/x?token=[redacted]');
  });
});
