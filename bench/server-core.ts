/**
 * A remote service's own core. The emulator that stands for Microsoft 365 runs in the bench's
 * process, on the same cores as the client being measured: a client that uses more CPU (its
 * collector's and compiler's threads included) then slows the "server" as well, which a remote
 * Microsoft 365 never is, and its wall time pays for its CPU twice. While `withServerCore` runs,
 * this process (the emulator) has the first core of its affinity to itself and the children
 * started by runChild (floor and chatsoar alike) have the others; then every core is given back.
 * Linux with `taskset` (util-linux) and 2 cores or more; elsewhere nothing is pinned, and the
 * caller is told.
 */
import { spawnSync } from 'node:child_process';

/** The cores of the measured children while withServerCore runs (a taskset list), else null. */
let clientCores: string | null = null;

function taskset(args: string[]): string | null {
  const r = spawnSync('taskset', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

/** `0-2,5` → [0, 1, 2, 5]. */
export function coreList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/** The cores process `pid` may run on ([]: unknown, e.g. no taskset). */
export function affinityOf(pid: number): number[] {
  const list = taskset(['-cp', String(pid)])
    ?.split(':')
    .pop()
    ?.trim();
  return list ? coreList(list) : [];
}

export async function withServerCore<T>(work: () => Promise<T>): Promise<{ value: T; pinned: boolean }> {
  const pid = String(process.pid);
  const cores = affinityOf(process.pid);
  if (cores.length < 2 || taskset(['-a', '-cp', String(cores[0]), pid]) === null) return { value: await work(), pinned: false };
  clientCores = cores.slice(1).join(',');
  try {
    return { value: await work(), pinned: true };
  } finally {
    clientCores = null;
    taskset(['-a', '-cp', cores.join(','), pid]);
  }
}

/** `command args` as started: on the clients' cores while withServerCore runs. */
export function onClientCores(command: string, args: string[]): [string, string[]] {
  return clientCores ? ['taskset', ['-c', clientCores, command, ...args]] : [command, args];
}
