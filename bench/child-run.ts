/** One measured run in a child process of the bench file itself, so each run's peak RSS is its own. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { onClientCores } from './server-core';

/**
 * Runs `file --child ...args` and returns the JSON of its last stdout line.
 * BENCH_CHILD_NODE_OPTIONS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile each run.
 */
export async function runChild<T>(file: string, args: string[], nodeOptions: string[] = []): Promise<T> {
  const extra = (process.env.BENCH_CHILD_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const [command, commandArgs] = onClientCores(process.execPath, ['--no-deprecation', ...nodeOptions, ...extra, file, '--child', ...args]);
  const child = spawn(command, commandArgs, {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`the ${args[0]} run failed (exit ${code}): ${out.slice(-500)}`);
  return JSON.parse(last) as T;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * The pair of runs (chatsoar's `values[i]` beside its floor's `floors[i]`, run back to back) whose
 * ratio is the median: a pair's two runs see about the same moment of a shared machine, whose speed
 * drifts between pairs, so the median of each side on its own may set a fast moment beside a slow one.
 */
export function medianPair(values: number[], floors: number[]): { at: number; ratios: number[] } {
  const ratios = values.map((v, i) => v / floors[i]!);
  return { at: ratios.indexOf(median(ratios)), ratios };
}

/** CPU (user + system) ms a process has used so far, from /proc (Linux; NaN elsewhere). */
export function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}
