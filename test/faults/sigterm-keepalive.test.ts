import { Client } from 'undici';
import { afterAll, describe, it } from 'vitest';
import { describeExit, sleep, type Exit } from './jobhook-process.js';
import {
  callbackUrl,
  ciCallback,
  jobIdFactory,
  newDelivery,
  recordAnswer,
  settle,
  type Delivery,
  type Format,
} from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

const GRACE_MS = 5000; // JOBHOOK_SHUTDOWN_GRACE_MS of the process
const CLIENTS = 16;

/**
 * What became of one request. `refused`: a new connection was refused (the listener is closed; the client retries
 * elsewhere). `reset`: the connection was reset or closed under the request, the failure the contract rules out.
 * Every reset-like error counts as a reset, also on a connection the client had just opened.
 */
type Outcome = 'acknowledged' | 'refused' | 'reset' | 'other';

const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

interface Attempt {
  readonly delivery: Delivery;
  readonly outcome: Outcome;
  readonly detail: string;
}

/**
 * A client that owns one kept-alive connection (an undici `Client`: one connection, no pipelining) and posts real
 * CI callbacks back-to-back, each with a unique JobId, until stopped: the next as soon as the answer is read, or
 * some milliseconds later (`thinkMs`, as a sender with work between callbacks). After a failure it pauses briefly.
 */
class KeepAliveSender {
  readonly attempts: Attempt[] = [];
  /** Connections this client opened. */
  connects = 0;
  /** Connections the server closed although its last answer on them did not say `Connection: close`. */
  dropped = 0;
  busy = false;
  private stopped = false;
  private saidClose = false;
  private readonly client: Client;
  private readonly path: string;

  constructor(
    base: string,
    private readonly nextJobId: () => string,
    private readonly until: number,
    private readonly thinkMs: (n: number) => number,
  ) {
    this.client = new Client(base, { pipelining: 1 });
    this.client.on('connect', () => {
      this.connects++;
      this.saidClose = false;
    });
    // Back-to-back, a connection is never idle for the keep-alive timeout: a server that closes it without saying
    // so first may reset a request (this time or next time).
    this.client.on('disconnect', () => {
      if (!this.stopped && !this.saidClose) this.dropped++;
    });
    const url = new URL(callbackUrl(base));
    this.path = `${url.pathname}${url.search}`;
  }

  get acknowledged(): number {
    return this.attempts.filter((a) => a.outcome === 'acknowledged').length;
  }

  async run(): Promise<void> {
    for (let n = 0; !this.stopped && Date.now() < this.until; n++) {
      this.busy = true;
      const attempt = await this.post(this.nextJobId(), n % 2 === 0 ? 'xml' : 'json');
      this.busy = false;
      this.attempts.push(attempt);
      if (attempt.outcome !== 'acknowledged') await sleep(50);
      else if (this.thinkMs(n) > 0) await sleep(this.thinkMs(n));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  close(): Promise<void> {
    return this.client.destroy();
  }

  private async post(jobId: string, format: Format): Promise<Attempt> {
    const delivery = newDelivery(jobId, '/v1/callbacks/tencent-ci', `${format}, kept-alive connection`);
    let outcome: Outcome;
    let detail: string;
    try {
      const response = await this.client.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': format === 'xml' ? 'application/xml' : 'application/json' },
        body: ciCallback(jobId, format),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
      // Noted with the headers, before undici can see the connection end after an answer that said close.
      this.saidClose = response.headers.connection === 'close';
      const text = await response.body.text();
      recordAnswer(delivery, response.statusCode, text);
      detail = `${response.statusCode} ${text.slice(0, 200)}`;
      outcome = response.statusCode === 200 && delivery.eventIds.length > 0 ? 'acknowledged' : 'other';
    } catch (error) {
      const code = errorCode(error);
      detail = `${code ?? '-'} ${error instanceof Error ? error.message : String(error)}`;
      delivery.error = detail;
      outcome =
        code === 'ECONNREFUSED'
          ? 'refused'
          : (code !== undefined && RESET_CODES.has(code)) || detail.includes('socket hang up')
            ? 'reset'
            : 'other';
    }
    delivery.endedAt = Date.now();
    return { delivery, outcome, detail };
  }
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if ('code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

describe('fault: SIGTERM with kept-alive connections', () => {
  it('resets no request of 16 clients sending back-to-back on kept-alive connections, exits 0, loses nothing', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      const jobId = jobIdFactory();
      let seq = 0;
      // Half the clients send the next callback at once, half 10-40 ms later: at any instant some connections are
      // between two requests, with the next one on the wire or about to be.
      const senders = Array.from(
        { length: CLIENTS },
        (_, i) =>
          new KeepAliveSender(
            jobhook.url,
            () => jobId(seq++),
            Date.now() + 60_000,
            (n) => (i % 2 === 0 ? 0 : 10 + 10 * (n % 4)),
          ),
      );
      const running = Promise.all(senders.map((s) => s.run()));
      let exit: Exit | 'still running';
      let exitedAfterMs: number;
      let connectsBefore: number[];
      let inFlight: number;
      try {
        // Bounded: every client has had 20 callbacks answered on its connection.
        await waitFor(() => senders.every((s) => s.acknowledged >= 20), 30_000, '20 answers per client');
        connectsBefore = senders.map((s) => s.connects);
        inFlight = senders.filter((s) => s.busy).length;
        const signalled = Date.now();
        jobhook.child.kill('SIGTERM');
        exit = await Promise.race([
          jobhook.exited,
          sleep(GRACE_MS + 2000).then(() => 'still running' as const),
        ]);
        exitedAfterMs = Date.now() - signalled;
      } finally {
        for (const s of senders) s.stop();
        await running;
        await Promise.all(senders.map((s) => s.close()));
      }
      const attempts = senders.flatMap((s) => s.attempts);
      const count = (outcome: Outcome): number => attempts.filter((a) => a.outcome === outcome).length;
      console.log(
        `  (SIGTERM with ${inFlight} of ${CLIENTS} kept-alive connections carrying a request; ` +
          `${exit === 'still running' ? 'still running' : describeExit(exit)} after ${exitedAfterMs} ms)`,
      );
      expect(connectsBefore, 'each client sent everything before SIGTERM on one connection').toEqual(
        senders.map(() => 1),
      );
      expect(exit, `exit within ${GRACE_MS + 2000} ms of SIGTERM`).not.toBe('still running');
      if (exit !== 'still running') expect(describeExit(exit)).toBe('exit code 0');

      // A callback spooled before the stop is drained by the next start (same data directory).
      const next = await rig.startJobhook();
      const deliveries = attempts.map((a) => a.delivery);
      rig.check('sigterm keep-alive', await settle(next, rig.redis.port, deliveries), {
        refused: count('refused'),
        reset: count('reset'),
        dropped: senders.reduce((n, s) => n + s.dropped, 0),
      });
      const failures = (outcome: Outcome): string[] =>
        attempts
          .filter((a) => a.outcome === outcome)
          .slice(0, 10)
          .map((a) => `${a.delivery.jobId} sent at ${a.delivery.startedAt}: ${a.detail}`);
      expect(failures('reset'), 'requests reset on a kept-alive connection').toEqual([]);
      expect(failures('other'), 'requests neither acknowledged, refused nor reset').toEqual([]);
      expect(
        senders.map((s) => s.dropped),
        'connections closed by the server without an answer that said Connection: close, per client',
      ).toEqual(senders.map(() => 0));
    });
  }, 120_000);
});
