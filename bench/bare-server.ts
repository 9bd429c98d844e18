/**
 * The ceiling: a bare node:http server that reads the whole body and answers 204. Nothing jobhook does can be
 * faster than this on the same core. Port from PORT, host from HOST (default 127.0.0.1).
 */
import { createServer } from 'node:http';

const port = Number(process.env['PORT'] ?? 8080);
const host = process.env['HOST'] ?? '127.0.0.1';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    Buffer.concat(chunks);
    response.statusCode = 204;
    response.end();
  });
});

server.keepAliveTimeout = 65_000;
server.listen(port, host);
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
