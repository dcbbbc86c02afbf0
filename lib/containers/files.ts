// Moving files in and out of a container's rootfs with the system tar (it keeps owners, modes, xattrs,
// devices and hard links, which a rootfs needs; run inside tspod's namespaces when rootless).
import { spawn } from 'node:child_process';
import { createWriteStream, lstatSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TspodError } from '../errors.ts';

function runTar(args: string[], opts: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'] });
    let err = '';
    let readerGone = false;
    child.stderr!.on('data', (d) => (err += d));
    if (opts.stdin) opts.stdin.pipe(child.stdin!);
    if (opts.stdout) {
      // a reader that stops early (| head) is not an error of ours
      opts.stdout.on('error', () => { readerGone = true; child.kill(); });
      child.stdout!.pipe(opts.stdout, { end: false });
    }
    child.on('error', reject);
    child.on('close', (code) => (code === 0 || readerGone ? resolve() : reject(new TspodError('TAR', `tar: ${err.trim() || `exit ${code}`}`))));
  });
}

/** Write a tar of dir's entries to file (or out). */
export async function tarDirectory(dir: string, entries: string[], file: string | undefined, out: NodeJS.WritableStream): Promise<void> {
  const args = ['--numeric-owner', '--xattrs', '-C', dir, '-cf', '-', ...entries];
  if (file) {
    const ws = createWriteStream(file);
    await runTar(args, { stdout: ws });
    await new Promise((r) => ws.end(r));
  } else await runTar(args, { stdout: out });
}

/** Extract a tar stream into dir. */
export async function untarInto(dir: string, input: NodeJS.ReadableStream): Promise<void> {
  await runTar(['--numeric-owner', '--xattrs', '-C', dir, '-xf', '-'], { stdin: input });
}

/** Copy a path with tar from one tree to another (cp within the host view); owner: every file's, else kept. */
export async function copyPath(srcDir: string, srcName: string, dstDir: string, rename?: string, owner?: { uid: number; gid: number }): Promise<void> {
  const args = ['--numeric-owner', ...(owner ? [`--owner=:${owner.uid}`, `--group=:${owner.gid}`] : []), '-C', srcDir, '-cf', '-', srcName];
  await new Promise<void>((resolve, reject) => {
    const a = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const xargs = ['--numeric-owner', '-C', dstDir, '-xf', '-'];
    if (rename && rename !== srcName) xargs.push(`--transform=s|^${srcName.replace(/[|\\.*^$[\]]/g, '\\$&')}|${rename}|`);
    const b = spawn('tar', xargs, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    a.stderr.on('data', (d) => (err += d));
    b.stderr.on('data', (d) => (err += d));
    a.stdout.pipe(b.stdin);
    b.on('close', (code) => (code === 0 ? resolve() : reject(new TspodError('CP', `copying ${srcName}: ${err.trim() || `tar exit ${code}`}`))));
    a.on('error', reject);
    b.on('error', reject);
  });
}

export interface Change { kind: 'A' | 'C' | 'D'; path: string }

/** podman diff: walk the overlay upper dir; whiteouts are deletions, paths present below are changes. */
export function upperChanges(upper: string, lowerDirs: string[]): Change[] {
  const out: Change[] = [];
  const inLower = (rel: string) => lowerDirs.some((l) => { try { lstatSync(join(l, rel)); return true; } catch { return false; } });
  const walk = (dir: string) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names.sort()) {
      const p = join(dir, n);
      const rel = relative(upper, p);
      const st = lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: '/' + rel });
        continue;
      }
      out.push({ kind: inLower(rel) ? 'C' : 'A', path: '/' + rel });
      if (st.isDirectory()) walk(p);
    }
  };
  if (existsSync(upper)) walk(upper);
  return out;
}
