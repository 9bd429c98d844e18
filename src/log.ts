import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths pino removes from every log line, whatever the level: tokens, keys, signatures, credentials. */
export const REDACT_PATHS = [
  'token',
  'tokens',
  'secret',
  'secretKey',
  'password',
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-jobhook-token"]',
  'headers["proxy-authorization"]',
  '*.token',
  '*.tokens',
  '*.secretKey',
  'sessionToken',
  '*.sessionToken',
  'credentials',
  '*.credentials',
  '*.password',
  '*.authorization',
  'config.tokens',
  'config.qiniuKeys',
  'config.redisUrl',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'jobhook' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** A URL or path with its `token` query parameter and any password replaced, for logs and error bodies. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&]token=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1[redacted]@');
}
