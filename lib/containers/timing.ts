// TSPOD_TIMING=1 prints the milliseconds since process start at each phase of a container command.
const on = !!process.env.TSPOD_TIMING;
export function mark(label: string): void {
  if (on) process.stderr.write(`[timing] ${performance.now().toFixed(1)} ms ${label}\n`);
}
