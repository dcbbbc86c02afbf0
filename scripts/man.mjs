// Minimal Markdown -> roff for our man pages: headings, paragraphs, **bold**, *italic*, `code`,
// lists, code blocks, and @@option NAME@@ includes from man/options/NAME.md; alias pages are `.so` redirects.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function inline(s) {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/^\./, '\\&.')
    .replace(/\*\*(.+?)\*\*/g, '\\fB$1\\fR')
    .replace(/`([^`]+)`/g, '\\fB$1\\fR')
    .replace(/\*(.+?)\*/g, '\\fI$1\\fR');
}

// A page for another name of a command (tspod container run = tspod run): its title line, then one
// `.so man1/tspod-VERB.1` line, rendered as that line alone, as podman ships its alias pages. man(1)
// reads the named page from the same man directory.
export const SO_RE = /^% [\w-]+\(\d\)\n(\.so man\d\/[\w-]+\.\d)\n*$/;

export function renderMan(md, dir) {
  const so = SO_RE.exec(md);
  if (so) return `${so[1]}\n`;
  md = md.replace(/^@@option ([\w-]+)@@$/gm, (_, name) => {
    const p = join(dir, 'options', `${name}.md`);
    return existsSync(p) ? readFileSync(p, 'utf8').replace(/^####> .*\n/gm, '') : '';
  });
  const lines = md.split('\n');
  const out = [];
  let title = 'TSPOD', section = '1', inCode = false;
  const m = /^% ([\w-]+)\((\d)\)/.exec(lines[0] ?? '');
  if (m) { title = m[1].toUpperCase(); section = m[2]; lines.shift(); }
  out.push(`.TH "${title}" "${section}" "" "tspod" "tspod manual"`);
  for (const line of lines) {
    if (line.startsWith('```')) { inCode = !inCode; out.push(inCode ? '.nf\n.RS' : '.RE\n.fi'); continue; }
    if (inCode) { out.push(line.replace(/\\/g, '\\\\').replace(/^\./, '\\&.')); continue; }
    if (/^## /.test(line)) out.push(`.SH ${line.slice(3).toUpperCase()}`);
    else if (/^#### /.test(line)) out.push(`.PP\n${inline(line.slice(5))}`);
    else if (/^### /.test(line)) out.push(`.SS ${inline(line.slice(4))}`);
    else if (/^[-*] /.test(line)) out.push(`.IP \\(bu 2\n${inline(line.slice(2))}`);
    else if (line.trim() === '') out.push('.PP');
    else out.push(inline(line));
  }
  return out.join('\n') + '\n';
}
