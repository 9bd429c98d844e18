import { execFileSync } from 'node:child_process';

/** The suite starts its own redis-server processes; say clearly when the binary is missing. */
export default function setup(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'redis-server is not installed: the tests start their own (apt-get install redis-server)',
    );
  }
}
