/** Read a y/N answer from stdin (podman's prompts: prune without --force). */
export async function confirm(io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }, question: string): Promise<boolean> {
  io.stdout.write(question);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    rl.close();
  }
}
