import { TspodError } from '../../lib/errors.ts';

/**
 * Read a y/N answer from stdin (podman's prompts: prune without --force). With eofError, end of input
 * before any answer is podman's "Error: EOF" (exit 125) instead of a no.
 */
export async function confirm(io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }, question: string, opts: { eofError?: boolean } = {}): Promise<boolean> {
  io.stdout.write(question);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim());
    if (opts.eofError) throw new TspodError('EOF', 'EOF');
    return false;
  } finally {
    rl.close();
  }
}
