import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from './server-process.ts';

/** Drain check: SIGTERM must end the server with 0 within 20 s (else it is killed). */
export async function drainCheck(server: ServerProcess): Promise<number | null | 'timeout'> {
  server.expectExit();
  server.child.kill('SIGTERM');
  const exit = await Promise.race([server.exited, sleep(20_000).then(() => undefined)]);
  if (exit === undefined) server.child.kill('SIGKILL');
  return exit ? (exit[0] as number | null) : 'timeout';
}

export function drainProblems(exitCode: number | null | 'timeout'): string[] {
  return exitCode === 0 ? [] : [`SIGTERM drain ended with ${exitCode}`];
}
