// conmon's k8s-file log: one entry per line, "<RFC3339Nano time> <stdout|stderr> <P|F> <text>";
// P marks a partial line (no newline at its end in the original stream).
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface LogEntry { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string }

export function parseLogLine(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/** Time of an entry in ms (nanosecond digits dropped). */
export function entryTime(e: LogEntry): number {
  return Date.parse(e.time.replace(/(\.\d{3})\d+/, '$1'));
}

/** Incremental reader: read(fromOffset) returns whole lines and the next offset. */
export function readLogFrom(path: string, offset: number): { entries: LogEntry[]; offset: number } {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return { entries: [], offset }; }
  try {
    const size = statSync(path).size;
    if (size <= offset) return { entries: [], offset };
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return { entries: [], offset };
    const entries = text.slice(0, end).split('\n').map(parseLogLine).filter((e): e is LogEntry => !!e);
    return { entries, offset: offset + Buffer.byteLength(text.slice(0, end + 1)) };
  } finally {
    closeSync(fd);
  }
}
