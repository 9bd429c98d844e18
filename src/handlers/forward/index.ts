export { createForward } from './forward.js';
export { ForwardError } from './outcome.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.js';
export { decodeSecret, sign } from './signature.js';
