import { TspodError } from '../../lib/errors.ts';

/**
 * Read a y/N answer from stdin (podman's prompts: prune and reset without --force), with podman's
 * rules: an answer starting with y or Y is a yes ("yes", "Yup"), anything else a no, and end of input
 * before any answer is the error "EOF" (exit 125).
 */
export async function confirm(io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }, question: string): Promise<boolean> {
  io.stdout.write(question);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return /^y/i.test(line);
    throw new TspodError('EOF', 'EOF');
  } finally {
    rl.close();
  }
}
