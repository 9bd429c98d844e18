import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer } from './close-server.js';

/** A node:http server that answers like jobhook's: `Connection: close` once `closing` is set; /hang never. */
async function server(keepAliveTimeout = 5000): Promise<{ server: Server; port: number; close(): void }> {
  let closing = false;
  const s = createServer(
    { connectionsCheckingInterval: 50, headersTimeout: 300, requestTimeout: 600, keepAliveTimeout },
    (req, res) => {
      if (req.url === '/hang') return;
      const body = `answer to ${req.url ?? ''}`;
      const headers = { 'content-type': 'text/plain', 'content-length': String(body.length) };
      res.writeHead(200, closing ? { ...headers, connection: 'close' } : headers);
      res.end(body);
    },
  );
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  servers.push(s);
  return { server: s, port: (s.address() as AddressInfo).port, close: () => (closing = true) };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
});

interface Connection {
  readonly socket: Socket;
  readonly text: () => string;
  /** 'closed' once the server closed it, or the error code. */
  readonly closed: Promise<string>;
}

/** A raw connection, once the server has accepted it. */
async function accepted(s: { server: Server; port: number }): Promise<Connection> {
  const serverSide = new Promise((resolve) => s.server.once('connection', resolve));
  const c = connection(s.port);
  await serverSide;
  return c;
}

function connection(port: number): Connection {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('close', () => resolve('closed'));
  });
  return { socket, text: () => text, closed };
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: jobhook\r\n\r\n`;

async function answers(c: Connection, n: number): Promise<void> {
  while ((c.text().match(/HTTP\/1\.1 /g) ?? []).length < n) await new Promise((r) => setTimeout(r, 5));
}

describe('closeServer', () => {
  it('answers a request sent on an idle kept-alive connection after the call, says close, then closes it', async () => {
    const s = await server();
    const c = await accepted(s);
    c.socket.write(get('/1'));
    await answers(c, 1);
    s.close();
    const stopped = closeServer(s.server, 60_000);
    c.socket.write(get('/2'));
    expect(await c.closed).toBe('closed');
    await stopped;
    expect(c.text()).toMatch(/answer to \/1HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n[^]*answer to \/2$/);
  });

  it('refuses new connections, and resolves when none is open', async () => {
    const s = await server();
    await closeServer(s.server, 60_000);
    expect(await connection(s.port).closed).toBe('ECONNREFUSED');
  });

  it('closes an idle kept-alive connection once idle longer than the keep-alive timeout', async () => {
    const s = await server(100);
    const c = await accepted(s);
    c.socket.write(get('/1'));
    await answers(c, 1);
    expect(c.text()).toMatch(/Keep-Alive: timeout=0\r\n/i);
    await closeServer(s.server, 60_000);
    expect(await c.closed).toBe('closed');
  });

  it('leaves a connection that has sent nothing open: its request is answered', async () => {
    const s = await server();
    const c = await accepted(s);
    s.close();
    const stopped = closeServer(s.server, 60_000);
    await new Promise((r) => setTimeout(r, 50));
    c.socket.write(get('/late'));
    expect(await c.closed).toBe('closed');
    await stopped;
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*answer to \/late$/);
  });

  it('keeps the headers timeout in force', async () => {
    const s = await server();
    const c = await accepted(s);
    c.socket.write('GET /slow HTTP/1.1\r\nHost: jobhook\r\n');
    // Without the headers timeout, the deadline would cut the connection without an answer.
    const stopped = closeServer(s.server, 5000);
    expect(await c.closed).toBe('closed');
    await stopped;
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts what is still open at the deadline', async () => {
    const s = await server();
    const c = await accepted(s);
    c.socket.write(get('/hang'));
    await new Promise((r) => setTimeout(r, 50));
    await closeServer(s.server, 100);
    expect(await c.closed).not.toBe('ECONNREFUSED');
    expect(c.text()).toBe('');
  });
});
