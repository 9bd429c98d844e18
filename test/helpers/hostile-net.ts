import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * Raw HTTP/1.1 over node:net for the hostile suite: sends exactly the bytes a case gives (or a lazily generated
 * stream of them) and parses whatever the server answers, several pipelined responses included. Nothing here
 * is clever about HTTP beyond what it takes to split the answers.
 */

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface RawOutcome {
  readonly responses: readonly RawResponse[];
  /** Bytes the client managed to write before it stopped. */
  readonly bytesSent: number;
  /** True when the writer wrote everything it meant to before the first response arrived. */
  readonly finishedSendingBeforeAnswer: boolean;
  /** The server closed (or reset) the connection. */
  readonly closedByServer: boolean;
  /** Milliseconds from connect to the first response (information only). */
  readonly firstAnswerMs: number | undefined;
  /** Milliseconds from connect to the end of the exchange (information only). */
  readonly totalMs: number;
  /** Bytes of the answer stream that could not be parsed as HTTP responses. */
  readonly unparsed: number;
}

export interface Writer {
  /** Writes and waits for the socket to drain; false once the exchange stopped (answer, close, timeout). */
  write(chunk: string | Uint8Array): Promise<boolean>;
  /** Half-closes the connection (FIN): nothing more will be sent. */
  end(): void;
  /** Waits `ms` or until the exchange stops; false when it stopped. */
  sleep(ms: number): Promise<boolean>;
  /** True once the exchange stopped. */
  stopped(): boolean;
}

export interface ExchangeOptions {
  /** Responses to wait for before the exchange ends (default 1). */
  readonly responses?: number;
  /** Gives up after this long (default 15 s): the outcome then holds what arrived so far. */
  readonly timeoutMs?: number;
  /** Stop writing as soon as the first response arrived (default true). */
  readonly stopWritingOnAnswer?: boolean;
  /** Called once the connection is open and the writer started: the attack is under way. */
  readonly onStarted?: () => void;
}

/** Every socket opened here, so afterAll can destroy whatever a failed case left behind. */
const openSockets = new Set<Socket>();

export function destroyOpenSockets(): number {
  const count = openSockets.size;
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
  return count;
}

/** Runs one raw exchange: `send` is the bytes to write at once, or a writer function. */
export function rawExchange(
  port: number,
  send: string | Uint8Array | ((writer: Writer) => Promise<void>),
  options: ExchangeOptions = {},
): Promise<RawOutcome> {
  const wanted = options.responses ?? 1;
  const stopWritingOnAnswer = options.stopWritingOnAnswer ?? true;
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ port, host: '127.0.0.1' });
    openSockets.add(socket);
    const parser = new ResponseParser();
    let bytesSent = 0;
    let writerDone = false;
    let finishedBeforeAnswer = false;
    let firstAnswerMs: number | undefined;
    let closedByServer = false;
    let done = false;
    const wakeups = new Set<() => void>();

    const stopped = (): boolean =>
      done || closedByServer || (stopWritingOnAnswer && parser.responses.length > 0);
    const wakeAll = (): void => {
      for (const wake of wakeups) wake();
      wakeups.clear();
    };
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      wakeAll();
      socket.destroy();
      openSockets.delete(socket);
      parser.finish(true);
      resolve({
        responses: parser.responses,
        bytesSent,
        finishedSendingBeforeAnswer: finishedBeforeAnswer,
        closedByServer,
        firstAnswerMs,
        totalMs: performance.now() - started,
        unparsed: parser.pending(),
      });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 15_000);

    socket.on('data', (data: Buffer) => {
      const before = parser.responses.length;
      parser.push(data);
      if (before === 0 && parser.responses.length > 0) {
        firstAnswerMs = performance.now() - started;
        finishedBeforeAnswer = writerDone;
        wakeAll();
      }
      if (parser.responses.length >= wanted) finish();
    });
    const onClosed = (): void => {
      closedByServer = true;
      parser.finish(false);
      if (firstAnswerMs === undefined && parser.responses.length > 0) {
        firstAnswerMs = performance.now() - started;
        finishedBeforeAnswer = writerDone;
      }
      finish();
    };
    socket.on('end', onClosed);
    socket.on('close', onClosed);
    socket.on('error', () => {
      // EPIPE / ECONNRESET while writing: the server cut the connection, which 'close' reports.
    });

    const writer: Writer = {
      write: (chunk) =>
        new Promise<boolean>((resolveWrite) => {
          if (stopped() || socket.destroyed) {
            resolveWrite(false);
            return;
          }
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
          bytesSent += bytes.byteLength;
          if (socket.write(bytes)) {
            resolveWrite(!stopped());
            return;
          }
          const wake = (): void => {
            socket.off('drain', wake);
            wakeups.delete(wake);
            resolveWrite(!stopped());
          };
          wakeups.add(wake);
          socket.once('drain', wake);
        }),
      end: () => {
        if (!socket.destroyed) socket.end();
      },
      sleep: (ms) =>
        new Promise<boolean>((resolveSleep) => {
          if (stopped()) {
            resolveSleep(false);
            return;
          }
          const wake = (): void => {
            clearTimeout(t);
            wakeups.delete(wake);
            resolveSleep(!stopped());
          };
          const t = setTimeout(wake, ms);
          wakeups.add(wake);
        }),
      stopped,
    };

    socket.once('connect', () => {
      const run = typeof send === 'function' ? send(writer) : writer.write(send).then(() => undefined);
      options.onStarted?.();
      run.then(
        () => {
          writerDone = true;
        },
        () => {
          writerDone = true;
        },
      );
    });
  });
}

/** Splits a byte stream into HTTP/1.x responses (Content-Length, chunked, or until close). */
class ResponseParser {
  readonly responses: RawResponse[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  push(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.parseOne());
  }

  /** The connection ended: a response without a length ends here. */
  finish(destroyedByUs: boolean): void {
    if (this.closed) return;
    this.closed = !destroyedByUs;
    if (!destroyedByUs) while (this.parseOne());
  }

  pending(): number {
    return this.buffer.length;
  }

  private parseOne(): boolean {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return false;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const match = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
    if (match === null) return false;
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let rest = this.buffer.subarray(headEnd + 4);
    let body: Buffer;
    if (status >= 100 && status < 200) {
      this.buffer = rest;
      return true;
    }
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked') === true) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd < 0) return false;
        const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) return false;
        if (rest.length < lineEnd + 2 + size + 2) return false;
        if (size === 0) {
          const trailerEnd = rest.indexOf('\r\n\r\n', lineEnd);
          if (trailerEnd < 0 && rest.length < lineEnd + 4) return false;
          rest = rest.subarray(trailerEnd < 0 ? lineEnd + 4 : trailerEnd + 4);
          break;
        }
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < length) return false;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    } else {
      if (!this.closed) return false;
      body = rest;
      rest = Buffer.alloc(0);
    }
    this.responses.push({ status, headers, body: Buffer.from(body) });
    this.buffer = rest;
    return true;
  }
}

/** GET `path` on a fresh connection (no pooling): the status, or 0 when it failed. */
export function freshGet(port: number, path = '/healthz', timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}
