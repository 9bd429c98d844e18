import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './redis-server.js';

/** The cluster bus listens on port + 10000: that port must exist and be free too. */
const BUS_OFFSET = 10_000;

export interface ClusterNode {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
}

interface RunningNode extends ClusterNode {
  readonly child: ChildProcess;
  /** The tail of the node's output, for the error message when the cluster cannot be formed. */
  readonly output: string[];
}

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A free port whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + BUS_OFFSET > 65_535 || taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if (await canBind(port + BUS_OFFSET)) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a Redis Cluster node');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function run(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
    });
  });
}

async function clusterInfo(port: number): Promise<string | undefined> {
  const probe = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return await probe.cluster('INFO');
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/**
 * A real Redis Cluster of three masters (no replicas) on loopback, for one test file: every node has its own
 * port and temporary directory, and `stop()` kills them all and removes the directories.
 */
export class RedisCluster {
  private constructor(private readonly running: readonly RunningNode[]) {}

  static async start(): Promise<RedisCluster> {
    for (const binary of ['redis-server', 'redis-cli'])
      try {
        execFileSync(binary, ['--version'], { stdio: 'ignore' });
      } catch {
        throw new Error(
          `${binary} is not installed: the Redis Cluster tests start their own cluster (apt-get install redis-server)`,
        );
      }
    const running: RunningNode[] = [];
    const cluster = new RedisCluster(running);
    try {
      const taken = new Set<number>();
      for (let i = 0; i < 3; i++) {
        const port = await freeClusterPort(taken);
        taken.add(port).add(port + BUS_OFFSET);
        running.push(await launch(port));
      }
      await Promise.all(
        running.map((node) => waitFor(node, async () => (await clusterInfo(node.port)) !== undefined)),
      );
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...running.map((node) => `127.0.0.1:${node.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        30_000,
      );
      await Promise.all(
        running.map((node) =>
          waitFor(node, async () => {
            const info = await clusterInfo(node.port);
            return (
              info !== undefined &&
              /^cluster_state:ok\r?$/m.test(info) &&
              /^cluster_known_nodes:3\r?$/m.test(info)
            );
          }),
        ),
      );
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw new Error(
        `could not create a 3-master Redis Cluster on 127.0.0.1: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  get nodes(): readonly ClusterNode[] {
    return this.running.map(({ port, dir, url }) => ({ port, dir, url }));
  }

  /** The seed nodes, as REDIS_URL takes them with JOBHOOK_REDIS_CLUSTER=true. */
  get urls(): string {
    return this.running.map((node) => node.url).join(',');
  }

  /** A cluster client (also fit for BullMQ workers: maxRetriesPerRequest null); the caller quits it. */
  client(): Cluster {
    return new Cluster(
      this.running.map((node) => ({ host: '127.0.0.1', port: node.port })),
      { redisOptions: { maxRetriesPerRequest: null } },
    );
  }

  /** A plain client to one node (e.g. for SCAN, which a cluster client sends to a single node). */
  nodeClient(port: number): Redis {
    return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.running.map(async (node) => {
        const { child } = node;
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
        await rm(node.dir, { recursive: true, force: true });
      }),
    );
  }
}

async function launch(port: number): Promise<RunningNode> {
  const dir = await mkdtemp(join(tmpdir(), 'jobhook-redis-cluster-'));
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '5000',
    '--appendonly',
    'yes',
    '--save',
    '',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (error) => output.push(String(error)));
  return { port, dir, url: `redis://127.0.0.1:${port}`, child, output };
}

async function waitFor(node: RunningNode, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.child.exitCode !== null)
      throw new Error(
        `redis-server on port ${node.port} exited with ${node.child.exitCode}:\n${node.output.join('\n')}`,
      );
    if (await ok()) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${node.port} was not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}
