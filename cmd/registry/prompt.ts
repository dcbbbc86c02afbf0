// Reading a username and a password from stdin: prompts on a terminal (no echo for the password),
// plain lines otherwise (podman reads them the same way from a pipe).
import type { Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

export class LineReader {
  private buf = '';
  private ended = false;
  private waiting?: () => void;
  private attached = false;
  constructor(private readonly io: Io) {}

  private attach() {
    if (this.attached) return;
    this.attached = true;
    const s = this.io.stdin;
    s.on('data', (d: Buffer | string) => { this.buf += d.toString(); this.waiting?.(); });
    s.on('end', () => { this.ended = true; this.waiting?.(); });
    s.on('error', () => { this.ended = true; this.waiting?.(); });
    s.resume();
  }

  /** One line without its newline; undefined at end of input. */
  async line(): Promise<string | undefined> {
    this.attach();
    for (;;) {
      const i = this.buf.indexOf('\n');
      if (i >= 0) {
        const l = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        return l;
      }
      if (this.ended) {
        if (!this.buf) return undefined;
        const l = this.buf;
        this.buf = '';
        return l;
      }
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = undefined;
    }
  }

  /** Everything left on stdin (--password-stdin). */
  async rest(): Promise<string> {
    this.attach();
    while (!this.ended) {
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = undefined;
    }
    const s = this.buf;
    this.buf = '';
    return s;
  }

  close() {
    if (this.attached) this.io.stdin.pause?.();
  }
}

export async function promptLine(r: LineReader, io: Io, prompt: string, what: string): Promise<string> {
  io.stderr.write(prompt);
  const l = await r.line();
  if (l === undefined) throw new TspodError('INVALID_ARGUMENT', `getting username and password: reading ${what}: EOF`);
  return l;
}

/** A password prompt; on a terminal the typed characters are not echoed. */
export async function promptSecret(r: LineReader, io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return promptLine(r, io, prompt, 'password');
  io.stderr.write(prompt);
  stdin.setRawMode(true);
  try {
    let pw = '';
    for (;;) {
      const chunk = await new Promise<string>((resolve) => stdin.once('data', (d) => resolve(d.toString())));
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') { io.stderr.write('\n'); return pw; }
        if (ch === '\u0003') throw new TspodError('INTERRUPTED', 'interrupted');
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else pw += ch;
      }
    }
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
