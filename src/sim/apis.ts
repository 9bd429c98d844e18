/** The simulated API calls, by name: fault knobs (`errors`, `lose`) and request counts use these. */
export const SIM_APIS = [
  'ci.create-job',
  'ci.describe-job',
  'ci.list-jobs',
  'ci.cancel-job',
  'ci.trigger-workflow',
  'ci.describe-workflow',
  'ci.inventory-job',
  'ci.queue',
  'cos-batch.create-job',
  'cos-batch.describe-job',
  'cos-batch.list-jobs',
  'qiniu.pfop',
  'qiniu.prefop',
] as const;

export type SimApi = (typeof SIM_APIS)[number];

/** The provider whose error shape an api answers with. */
export const providerOf = (api: SimApi): 'ci' | 'cos-batch' | 'qiniu' =>
  api.startsWith('ci.') ? 'ci' : api.startsWith('cos-batch.') ? 'cos-batch' : 'qiniu';
