import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { callbackBody, callbackTarget, ciNotification } from './ci-notify.js';
import { SimContext } from './context.js';
import { SimOptionsSchema } from './options.js';

const sim = (options = {}) => new SimContext(SimOptionsSchema.parse(options), createLogger('silent'));

describe('where a CI callback goes', () => {
  it("takes the request's CallBack first, then the queue's NotifyConfig when it is On for the event", () => {
    const s = sim({ callbackFormat: 'JSON' });
    const queue = s.queues.of('b/r', 'file');
    expect(callbackTarget(s, { CallBack: 'http://a/cb' }, queue, 'TaskFinish')).toEqual({
      type: 'Url',
      url: 'http://a/cb',
      format: 'JSON',
      mqName: '',
    });
    expect(callbackTarget(s, {}, queue, 'TaskFinish')).toBeUndefined();
    queue.notifyConfig = {
      Url: 'http://q/cb',
      State: 'On',
      Type: 'Url',
      Event: 'WorkflowFinish',
      ResultFormat: 'XML',
    };
    expect(callbackTarget(s, {}, queue, 'TaskFinish')).toBeUndefined();
    queue.notifyConfig = { ...queue.notifyConfig, Event: 'TaskFinish, WorkflowFinish' };
    expect(callbackTarget(s, {}, queue, 'TaskFinish')).toMatchObject({ url: 'http://q/cb', format: 'XML' });
    expect(
      callbackTarget(
        s,
        { CallBackType: 'TDMQ', CallBackMqConfig: { MqName: 'topic-1' } },
        queue,
        'TaskFinish',
      ),
    ).toMatchObject({ type: 'TDMQ', mqName: 'topic-1' });
  });

  it('writes JSON with JobsDetail as an array and no Response wrapper, XML inside <Response>', () => {
    expect(JSON.parse(callbackBody('TaskFinish', { JobsDetail: { JobId: 'f1' } }, 'JSON'))).toEqual({
      EventName: 'TaskFinish',
      JobsDetail: [{ JobId: 'f1' }],
    });
    expect(callbackBody('TaskFinish', { JobsDetail: { JobId: 'f1' } }, 'XML')).toContain(
      '<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>f1</JobId></JobsDetail></Response>',
    );
  });

  it('sends TDMQ pushes to --tdmq-url only, and nothing for Kafka', () => {
    const target = { type: 'TDMQ', url: '', format: 'XML', mqName: '' } as const;
    expect(ciNotification(sim(), target, 'TaskFinish', {})).toBeUndefined();
    const pushed = ciNotification(sim({ tdmqUrl: 'http://h/tdmq' }), target, 'TaskFinish', {});
    expect(pushed).toMatchObject({ url: 'http://h/tdmq', headers: { 'content-type': 'text/plain' } });
    const envelope = JSON.parse(pushed?.body ?? '{}') as { topicName?: string; msgBody?: string };
    expect(envelope.topicName).toBe('ci-events');
    expect(envelope.msgBody).toContain('<Response>');
    expect(ciNotification(sim(), { ...target, type: 'Kafka' }, 'TaskFinish', {})).toBeUndefined();
  });
});
