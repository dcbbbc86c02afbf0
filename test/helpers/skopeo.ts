// The two tools the skopeo system tests compare: `tspod skopeo` (the built CLI, run by node) and
// Debian's skopeo, each run with the same arguments and read back as exit status and output.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Result { code: number; stdout: string; stderr: string }
export interface RunOptions { env?: NodeJS.ProcessEnv; input?: string }

export const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../dist/tspod.js');

/** Why these tests cannot run here ('' when they can). */
export function skopeoSkip(): string {
  if (!existsSync(CLI)) return 'dist/tspod.js not built';
  return spawnSync('skopeo', ['--version']).status !== 0 ? 'skopeo not installed' : '';
}

/** `tspod skopeo ARGS`, asynchronously, so that servers of the test process keep answering. */
export function tspodSkopeo(args: string[], o: RunOptions = {}): Promise<Result> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, 'skopeo', ...args], { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    c.stdin.end(o.input ?? '');
  });
}

/** Debian's skopeo with the same arguments. */
export function skopeo(args: string[], o: RunOptions = {}): Result {
  const r = spawnSync('skopeo', args, { encoding: 'utf8', env: o.env ?? process.env, input: o.input ?? '' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
