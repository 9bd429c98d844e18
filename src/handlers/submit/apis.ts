/**
 * The follow-up jobs a `submit` rule can make (CONTRACT.md §6.3): for each api, the provider and event kind of the
 * job it starts, how jobhook points the job's callback back at itself, where it writes its marker, and how a
 * submission whose outcome a crash left unknown is looked up.
 */

export const SUBMIT_APIS = [
  'tencent-ci.file-job',
  'tencent-ci.media-job',
  'tencent-ci.doc-job',
  'tencent-ci.workflow',
  'tencent-ci.inventory-job',
  'tencent-cos-batch.job',
  'qiniu.pfop',
] as const;

export type SubmitApi = (typeof SUBMIT_APIS)[number];

export interface ApiInfo {
  readonly provider: 'tencent-ci' | 'tencent-cos-batch' | 'qiniu';
  /** The kind of the started job's events. */
  readonly kind: 'job' | 'workflow' | 'inventory' | 'batch' | 'pfop';
  /** Where the callback goes: `top` (`CallBack` + `CallBackType` in the request), `operation` (in `Operation`),
   * `notifyURL` (Qiniu's form), or nowhere (a workflow reports through its own NotifyConfig; batch jobs are polled). */
  readonly callback: 'top' | 'operation' | 'notifyURL' | undefined;
  /** Where the marker goes: `Operation.UserData`, `Description`, or nowhere. */
  readonly marker: 'userData' | 'description' | undefined;
  /** Jobs that send no callback: polled from submission rather than after their deadline. */
  readonly polled: boolean;
  /**
   * Whether a submission whose answer was lost can be found again: CI jobs by their marker in `UserData` (a
   * listing of the queue's recent jobs), COS batch jobs by `ClientRequestToken` and their marker in `Description`.
   * Without a way, such a submission is not made again: it ends as `SubmitOutcomeUnknown`.
   */
  readonly lookup: boolean;
}

export const API_INFO: Readonly<Record<SubmitApi, ApiInfo>> = {
  'tencent-ci.file-job': {
    provider: 'tencent-ci',
    kind: 'job',
    callback: 'top',
    marker: 'userData',
    polled: false,
    lookup: true,
  },
  'tencent-ci.media-job': {
    provider: 'tencent-ci',
    kind: 'job',
    callback: 'top',
    marker: 'userData',
    polled: false,
    lookup: true,
  },
  'tencent-ci.doc-job': {
    provider: 'tencent-ci',
    kind: 'job',
    callback: 'top',
    marker: 'userData',
    polled: false,
    lookup: true,
  },
  'tencent-ci.workflow': {
    provider: 'tencent-ci',
    kind: 'workflow',
    callback: undefined,
    marker: undefined,
    polled: false,
    lookup: false,
  },
  'tencent-ci.inventory-job': {
    provider: 'tencent-ci',
    kind: 'inventory',
    callback: 'operation',
    marker: 'userData',
    polled: true,
    lookup: false,
  },
  'tencent-cos-batch.job': {
    provider: 'tencent-cos-batch',
    kind: 'batch',
    callback: undefined,
    marker: 'description',
    polled: true,
    lookup: true,
  },
  'qiniu.pfop': {
    provider: 'qiniu',
    kind: 'pfop',
    callback: 'notifyURL',
    marker: undefined,
    polled: false,
    lookup: false,
  },
};

type Request = Record<string, unknown>;

const isObject = (value: unknown): value is Request =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The longest COS batch `Description` (a marker added to the user's is dropped rather than cut past it). */
export const MAX_DESCRIPTION = 256;

/**
 * The request as jobhook sends it: the callback pointed back at jobhook when `callbackUrl` is given and the request
 * names none, and the marker written where the api keeps one, when the request does not use that place itself.
 * Returns the request and whether the marker went in.
 */
export function prepareRequest(
  api: SubmitApi,
  request: Request,
  options: { callbackUrl: string | undefined; marker: string },
): { request: Request; marked: boolean } {
  const info = API_INFO[api];
  const out: Request = { ...request };
  const operation: Request = isObject(out.Operation) ? { ...out.Operation } : {};
  let marked = false;
  if (options.callbackUrl !== undefined) {
    if (info.callback === 'top' && out.CallBack === undefined && out.CallBackType === undefined) {
      out.CallBack = options.callbackUrl;
      out.CallBackType = 'Url';
    } else if (
      info.callback === 'operation' &&
      operation.CallBack === undefined &&
      operation.CallBackType === undefined
    ) {
      operation.CallBack = options.callbackUrl;
      operation.CallBackType = 'Url';
    } else if (info.callback === 'notifyURL' && out.notifyURL === undefined)
      out.notifyURL = options.callbackUrl;
  }
  if (info.marker === 'userData' && operation.UserData === undefined) {
    operation.UserData = options.marker;
    marked = true;
  } else if (info.marker === 'description') {
    const own = typeof out.Description === 'string' ? out.Description : '';
    const described = own === '' ? options.marker : `${own} (${options.marker})`;
    if (described.length <= MAX_DESCRIPTION) {
      out.Description = described;
      marked = true;
    }
  }
  if (Object.keys(operation).length > 0 || isObject(request.Operation)) out.Operation = operation;
  return { request: out, marked };
}
