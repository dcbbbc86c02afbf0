// The process Io and the one place that prints a command's final error. Separate from main.ts so the
// yargs-free fast path (fast-path.ts) can use them without loading yargs.
import type { Io } from './types.ts';
import { EXIT_TOOL, TspodError } from '../lib/errors.ts';

export function processIo(): Io {
  // stdin is a getter: creating process.stdin costs ~1 ms and most commands never read it
  return { stdout: process.stdout, stderr: process.stderr, get stdin() { return process.stdin; }, env: process.env };
}

export function reportError(err: unknown, io: Io): number {
  if (err instanceof TspodError) {
    io.stderr.write(`Error: ${err.message}\n`);
    if (err.hint) io.stderr.write(`${err.hint}\n`);
    if (process.env.TSPOD_DEBUG && err.stack) io.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err as Error;
  io.stderr.write(`Error: ${e?.message ?? String(err)}\n`);
  if (process.env.TSPOD_DEBUG && e?.stack) io.stderr.write(e.stack + '\n');
  return EXIT_TOOL;
}
