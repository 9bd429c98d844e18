export { createForward } from './forward.js';
export { ForwardError } from './outcome.js';
export { parseRetryAfter } from './retry-after.js';
export { decodeSecret, sign } from './signature.js';
