import type { SimQueue } from './ci-queues.js';
import type { SimContext } from './context.js';
import type { Notification } from './jobs.js';
import { renderXml, type OutDoc } from './xml.js';

export type CiEvent = 'TaskFinish' | 'WorkflowFinish';

/** Where and how a CI callback goes: the request's own `CallBack…` fields, else its queue's `NotifyConfig`. */
export interface CallbackTarget {
  readonly type: string;
  readonly url: string;
  readonly format: 'XML' | 'JSON';
  readonly mqName: string;
}

export interface CallbackFields {
  readonly CallBack?: string | undefined;
  readonly CallBackFormat?: string | undefined;
  readonly CallBackType?: string | undefined;
  readonly CallBackMqConfig?: { readonly MqName?: string | undefined } | undefined;
}

const formatOf = (value: string | undefined, fallback: 'XML' | 'JSON'): 'XML' | 'JSON' =>
  value === undefined || value === '' ? fallback : value.toUpperCase() === 'JSON' ? 'JSON' : 'XML';

/** The target of a job's callback (formats.md §1.1), or undefined when nothing asks for one. */
export function callbackTarget(
  sim: SimContext,
  request: CallbackFields,
  queue: SimQueue | undefined,
  event: CiEvent,
): CallbackTarget | undefined {
  const fallback = sim.options.callbackFormat;
  const type = request.CallBackType ?? 'Url';
  const own = request.CallBack ?? '';
  if (own !== '' || (type !== 'Url' && request.CallBackType !== undefined))
    return {
      type,
      url: own,
      format: formatOf(request.CallBackFormat, fallback),
      mqName: request.CallBackMqConfig?.MqName ?? '',
    };
  const notify = queue?.notifyConfig;
  if (
    notify?.State !== 'On' ||
    !notify.Event.split(',')
      .map((e) => e.trim())
      .includes(event)
  )
    return undefined;
  return {
    type: notify.Type,
    url: notify.Url,
    format: formatOf(notify.ResultFormat, fallback),
    mqName: notify.MqName ?? '',
  };
}

/** The callback document: XML `<Response>`, or the same keys in JSON without the wrapper (`JobsDetail` an array). */
export function callbackBody(event: CiEvent, content: OutDoc, format: 'XML' | 'JSON'): string {
  if (format === 'XML') return renderXml('Response', { EventName: event, ...content });
  const jobs = content.JobsDetail;
  const json = jobs === undefined || Array.isArray(jobs) ? content : { ...content, JobsDetail: [jobs] };
  return JSON.stringify({ EventName: event, ...json });
}

/** The callback as sent: an HTTP POST to the URL, or a CMQ topic push of it to the simulator's TDMQ endpoint. */
export function ciNotification(
  sim: SimContext,
  target: CallbackTarget,
  event: CiEvent,
  content: OutDoc,
): Notification | undefined {
  const body = callbackBody(event, content, target.format);
  if (target.type === 'Url') {
    if (target.url === '') return undefined;
    const contentType = target.format === 'XML' ? 'application/xml' : 'application/json';
    return { what: event, url: target.url, body, headers: { 'content-type': contentType } };
  }
  const tdmqUrl = sim.options.tdmqUrl;
  if (target.type !== 'TDMQ' || tdmqUrl === undefined) {
    sim.logger.warn(
      { event, type: target.type },
      'callback not sent: no --tdmq-url, or a delivery type the simulator lacks',
    );
    return undefined;
  }
  const msgId = String(sim.random.int(1_000_000_000, 9_999_999_999));
  const envelope = {
    TopicOwner: Number(sim.options.credentials.appId ?? '1250000000'),
    topicName: target.mqName === '' ? 'ci-events' : target.mqName,
    subscriptionName: 'jobhook-sim',
    msgId,
    msgBody: body,
    publishTime: Math.floor(Date.now() / 1000),
  };
  return {
    what: `tdmq ${event}`,
    url: tdmqUrl,
    body: JSON.stringify(envelope),
    headers: {
      'content-type': 'text/plain',
      'user-agent': 'Qcloud Notification Service Agent',
      'x-cmq-request-id': String(sim.random.int(100_000_000, 999_999_999)),
      'x-cmq-message-id': msgId,
      'x-cmq-message-tag': 'ci',
    },
  };
}
