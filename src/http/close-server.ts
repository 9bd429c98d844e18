import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

/**
 * Graceful close of the receiver's HTTP/1.1 server (CONTRACT.md §4), whose answers say `Connection: close` once
 * the shutdown began. Resolves when the last connection is gone, on the next tick when none is open. Guarantees:
 *
 * - New connections are refused from the call on (the listener is closed at once).
 * - No connection is closed at the instant of the call, not even an idle kept-alive one: its client may be
 *   sending its next request right then, and closing it is what reset that request. `http.Server.close()` does
 *   exactly that (it calls `closeIdleConnections()` first), so only the listener is closed here
 *   (`net.Server.prototype.close`).
 * - A connection is closed by node right after an answer that says `Connection: close` (the client reads that
 *   answer and sends nothing more on it), or once idle longer than the server's `keepAliveTimeout` (node's own
 *   timer, set after each answer to `keepAliveTimeout` + 1 s, of which `Keep-Alive: timeout=…` told the client).
 * - A connection that was accepted but has sent no request yet is left open: its request may be on its way, and
 *   is answered. The server's headers and request timeouts stay in force (node's connection check keeps running
 *   until the end, unlike after `http.Server.close()`), so one that sends nothing gets node's 408 when the
 *   headers timeout is up.
 * - After `graceMs`, every connection still open is destroyed, whatever it is doing: that bounds the shutdown.
 *
 * Not covered: a client that pipelines (sends a request before the answer to the previous one) may have later
 * requests read, and acted on, but unanswered when the answer that says `Connection: close` ends the connection;
 * HTTP/1.1 has such a client retry them (RFC 9112 §9.3.2), and a callback it sends again is a duplicate.
 */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
    NetServer.prototype.close.call(server, () => {
      clearTimeout(deadline);
      // Nothing is left to close: http.Server.close() now only stops node's connection check (and emits 'close'
      // once more), so the timer does not keep the server alive.
      server.close();
      resolve();
    });
  });
}
