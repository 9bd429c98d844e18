/** A refusal the simulated provider answers with: CI and COS as XML `Error{Code, Message, RequestId}`, Qiniu as JSON. */
export class SimApiError extends Error {
  override readonly name = 'SimApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string): SimApiError =>
  new SimApiError(400, 'InvalidArgument', message);
