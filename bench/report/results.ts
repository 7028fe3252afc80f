// bench/results.json: every figure with its target and verdict, the machine and the git commit,
// so a number can always be traced back to the code and the hardware that produced it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { SectionResult } from './figure.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  release: string;
  node: string;
}

export interface GitState {
  commit: string;
  /** Files differing from the commit (a shared working tree has other people's edits). */
  dirty: boolean;
}

export interface Results {
  /** ISO date of the run. */
  date: string;
  git: GitState;
  machine: Machine;
  /** How long `npm run bench` took, seconds (wall clock). */
  durationS: number;
  sections: SectionResult[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    release: os.release(),
    node: process.version,
  };
}

export function gitState(cwd: string): GitState {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      dirty: git('status', '--porcelain', '--untracked-files=no').trim() !== '',
    };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: false };
  }
}

export function writeResults(path: string, results: Results): void {
  const replacer = (_key: string, value: unknown) =>
    typeof value === 'bigint' ? Number(value) : value;
  writeFileSync(path, `${JSON.stringify(results, replacer, 2)}\n`);
}
