// The process Io and the one place that prints a command's final error. Separate from main.ts so the
// yargs-free fast path (fast-path.ts) can use them without loading yargs.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Io } from './types.ts';
import { EXIT_TOOL, TspodError } from '../lib/errors.ts';

/**
 * A stdout/stderr for commands that only write strings (the fast path, `version`): write(2) on the
 * descriptor, without node's stream classes, whose loading cost ~1.5 ms of every such command. A
 * non-blocking descriptor that is full hands the rest to the real stream; a closed pipe ends the
 * process with status 141, as SIGPIPE ends podman.
 */
function fdWriter(fd: 1 | 2): Io['stdout'] {
  let streamed = false; // once the stream has data queued, everything after goes through it too
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  const w = {
    // node:tty loads net and the stream classes: only when asked
    get isTTY() { return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd); },
    get columns() { return stream().columns; },
    write(chunk: string | Uint8Array): boolean {
      if (streamed) return stream().write(chunk);
      let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      while (buf.length) {
        try {
          buf = buf.subarray(writeSync(fd, buf));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') {
            streamed = true;
            watchPipes();
            return stream().write(buf);
          }
          if (code === 'EPIPE') process.exit(141); // as processIo: podman dies of SIGPIPE
          throw err;
        }
      }
      return true;
    },
  };
  return w as unknown as Io['stdout'];
}

/** The Io of the fast path: see fdWriter. */
export function fdIo(): Io {
  return { stdout: fdWriter(1), stderr: fdWriter(2), get stdin() { return process.stdin; }, env: process.env };
}

let pipeWatch = false;

/** A reader that went away (`tspod run ... | head`): end as podman does when SIGPIPE kills it,
 *  status 141, instead of node's unhandled 'error' and its stack trace. Other errors stay fatal. */
function watchPipes(): void {
  if (pipeWatch) return;
  pipeWatch = true;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
}

export function processIo(): Io {
  watchPipes();
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
