// Progress on a terminal, as podman and skopeo draw it: one line per blob with a bar and byte counts,
// redrawn in place (ANSI cursor-up + clear-line), plus the plain status lines in between.
// Off a terminal the copy prints plain lines only (lib/copy/index.ts), so logs stay readable.

interface Line { text: string; done?: number; total?: number; label?: string }

const BAR = 30;
const REDRAW_MS = 100;

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)}${units[i]}`;
}

export class TtyProgress {
  private readonly lines: Line[] = [];
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** A plain status line ("Copying config ...", "Writing manifest ..."). */
  log(text: string): void {
    this.lines.push({ text });
    this.render();
  }

  /** A blob line with a bar; returns its handle for update/finish. */
  blob(digest: string, total: number): Line {
    const line: Line = { text: '', label: `Copying blob ${digest.replace(/^sha256:/, '').slice(0, 12)}`, done: 0, total };
    this.lines.push(line);
    this.render();
    return line;
  }

  update(line: Line, bytes: number): void {
    line.done = (line.done ?? 0) + bytes;
    this.timer ??= setTimeout(() => { this.timer = undefined; this.render(); }, REDRAW_MS);
  }

  finish(line: Line, status: string): void {
    line.text = `${line.label} ${status}`;
    line.total = undefined;
    this.render();
  }

  private format(l: Line): string {
    if (l.total === undefined) return l.text;
    const total = Math.max(l.total, 1);
    const fill = Math.min(BAR, Math.floor((BAR * (l.done ?? 0)) / total));
    const bar = '='.repeat(fill) + (fill < BAR ? '>' + '-'.repeat(BAR - fill - 1) : '');
    return `${l.label} [${bar}] ${size(l.done ?? 0)} / ${size(l.total)}`;
  }

  private render(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    let s = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const l of this.lines) s += `\x1b[2K${this.format(l)}\n`;
    this.drawn = this.lines.length;
    this.out.write(s);
  }
}
