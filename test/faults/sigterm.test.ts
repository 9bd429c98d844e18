import { request } from 'node:http';
import { afterAll, describe, it } from 'vitest';
import { describeExit, sleep, type Exit } from './jobhook-process.js';
import {
  callbackUrl,
  ciCallback,
  jobIdFactory,
  Load,
  newDelivery,
  recordAnswer,
  settle,
  type Delivery,
} from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

const GRACE_MS = 5000; // JOBHOOK_SHUTDOWN_GRACE_MS of the process

/**
 * A callback that is certainly in flight: its own connection, `Expect: 100-continue` so the server's
 * "100 Continue" proves it parsed the headers, then half of the body; the rest is sent by `finish()`.
 */
function slowCallback(
  base: string,
  jobId: string,
): { started: Promise<void>; finish: () => void; delivery: Promise<Delivery> } {
  const body = Buffer.from(ciCallback(jobId, 'xml'));
  const half = Math.floor(body.length / 2);
  const delivery = newDelivery(jobId, '/v1/callbacks/tencent-ci', 'xml, in flight at SIGTERM');
  const url = new URL(callbackUrl(base));
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: `${url.pathname}${url.search}`,
    agent: false,
    headers: { 'content-type': 'application/xml', 'content-length': body.length, expect: '100-continue' },
    timeout: 15_000,
  });
  const started = new Promise<void>((resolve, reject) => {
    req.once('continue', () => {
      req.write(body.subarray(0, half));
      resolve();
    });
    req.once('error', reject);
  });
  started.catch(() => undefined);
  const answered = new Promise<Delivery>((resolve) => {
    req.once('timeout', () => req.destroy(new Error('client timeout')));
    req.once('error', (error) => {
      delivery.error = error.message;
      delivery.endedAt = Date.now();
      resolve(delivery);
    });
    req.once('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.once('end', () => {
        recordAnswer(delivery, res.statusCode ?? 0, text);
        delivery.endedAt = Date.now();
        resolve(delivery);
      });
      res.once('error', (error) => {
        delivery.error = error.message;
        resolve(delivery);
      });
    });
  });
  req.flushHeaders();
  return { started, finish: () => req.end(body.subarray(half)), delivery: answered };
}

/** A GET /readyz on a brand-new connection: its status, or the error code of the connection. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(String(res.statusCode)));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('fault: SIGTERM under load', () => {
  it('finishes in-flight requests, refuses new connections, exits 0 within the grace period, loses nothing', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      const load = new Load({ target: () => jobhook.url, count: 4000, durationMs: 10_000 });
      const jobId = jobIdFactory();
      let exit: Exit | 'still running';
      let probed: string;
      let slow: Delivery[];
      let loadInFlight: number;
      let exitedAfterMs: number;
      try {
        await load.waitProgress(0.25);
        const inFlight = Array.from({ length: 20 }, (_, i) => slowCallback(jobhook.url, jobId(i)));
        // Bounded: every one of them has its headers parsed by the server ("100 Continue") and half a body sent.
        await Promise.race([
          Promise.all(inFlight.map((r) => r.started)),
          sleep(15_000).then(() => Promise.reject(new Error('no "100 Continue" within 15 s'))),
        ]);

        const signalled = Date.now();
        loadInFlight = load.inFlight;
        jobhook.child.kill('SIGTERM');
        await sleep(200);
        // Bounded wait for the process to act on the signal (it logs before it closes the listener).
        await jobhook.waitForLines('"shutting down"');
        probed = await probe(rig.port);
        for (const r of inFlight) r.finish();
        slow = await Promise.all(inFlight.map((r) => r.delivery));

        const bound = GRACE_MS + 2000 - (Date.now() - signalled);
        exit = await Promise.race([
          jobhook.exited,
          sleep(Math.max(0, bound)).then(() => 'still running' as const),
        ]);
        exitedAfterMs = Date.now() - signalled;
      } finally {
        load.stop();
        await load.done;
      }
      console.log(
        `  (SIGTERM with ${slow.length} + ${loadInFlight} requests in flight: new connection → ${probed}; ` +
          `${exit === 'still running' ? 'still running' : describeExit(exit)} after ${exitedAfterMs} ms)`,
      );
      expect(exit, `exit within ${GRACE_MS + 2000} ms of SIGTERM`).not.toBe('still running');
      if (exit !== 'still running') expect(describeExit(exit)).toBe('exit code 0');
      expect(['ECONNREFUSED', '503'], `a new connection after SIGTERM got ${probed}`).toContain(probed);
      expect(
        slow.map((d) => d.status ?? d.error),
        'every request in flight at SIGTERM completes with 200',
      ).toEqual(slow.map(() => 200));
      // Every answer of the load is a 2xx or a clean refusal (503); no answer at all is fine (not acknowledged).
      const unclean = load.deliveries.filter(
        (d) => d.status !== undefined && d.status !== 200 && d.status !== 503,
      );
      expect(
        unclean.map((d) => d.status),
        'answers other than 200 and 503',
      ).toEqual([]);

      // A callback spooled before the stop is drained by the next start (same data directory).
      const next = await rig.startJobhook();
      rig.check('sigterm under load', await settle(next, rig.redis.port, [...load.deliveries, ...slow]));
    });
  }, 120_000);
});
