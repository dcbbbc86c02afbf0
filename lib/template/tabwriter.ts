// Go's text/tabwriter (flags 0, padchar ' '), which podman's table output goes through:
// tab-terminated cells, a column block is a run of consecutive lines that have a cell in that
// column, width = max(minwidth, widest cell + padding); the last cell of a line is never padded.

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export interface TabwriterOptions {
  minwidth?: number;
  padding?: number;
}

/** Align text the way tabwriter.NewWriter(w, minwidth, 2, padding, ' ', 0) does. */
export function tabwrite(text: string, opts: TabwriterOptions = {}): string {
  const minwidth = opts.minwidth ?? 12;
  const padding = opts.padding ?? 2;
  const rawLines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) rawLines.pop();
  const lines = rawLines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (l0: number, l1: number) => {
    for (let i = l0; i < l1; i++) {
      const line = lines[i];
      for (let j = 0; j < line.length; j++) {
        out.push(line[j]);
        if (j < widths.length) out.push(' '.repeat(Math.max(0, widths[j] - runeLength(line[j]))));
      }
      if (i + 1 < lines.length || endsWithNewline) out.push('\n');
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      writeLines(line0, t);
      line0 = t;
      let width = minwidth;
      for (; t < line1; t++) {
        const line = lines[t];
        if (column >= line.length - 1) break;
        const w = runeLength(line[column]) + padding;
        if (w > width) width = w;
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
      t--; // the for loop's t++ must look at line t again
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
