import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface TopOptions { container?: string; descriptors?: string[]; latest?: boolean }

/** The processes of a container: every host process in the PID namespace of its init. */
export async function containerProcesses(initPid: number): Promise<number[]> {
  const { readdirSync, readlinkSync } = await import('node:fs');
  let ns: string;
  try { ns = readlinkSync(`/proc/${initPid}/ns/pid`); } catch { return []; }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (readlinkSync(`/proc/${d}/ns/pid`) === ns) out.push(Number(d)); } catch { /* gone */ }
  }
  return out;
}

const DEFAULT = ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];
const HEADERS: Record<string, string> = { user: 'USER', pid: 'PID', ppid: 'PPID', pcpu: '%CPU', etime: 'ELAPSED', tty: 'TTY', time: 'TIME', args: 'COMMAND', comm: 'COMMAND', uid: 'UID', gid: 'GID', group: 'GROUP', nice: 'NI', vsz: 'VSZ', rss: 'RSS', stat: 'STATE' };

export function topCommand(): CommandModule<TopOptions> {
  return {
    command: 'top [container] [descriptors..]',
    describe: 'Display the running processes of a container',
    builder: (y) => y.positional('container', { type: 'string' }).positional('descriptors', { type: 'string', array: true })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      if (!o.container) throw new TspodError('USAGE', 'you must provide the name or id of a running container');
      const c = await engine.inspect(o.container);
      if (c.state.status !== 'running') throw new TspodError('STATE_IMPROPER', `top can only be used on running containers: container state improper`);
      const pids = await containerProcesses(c.state.pid);
      const desc = (o.descriptors?.length ? o.descriptors : DEFAULT).flatMap((d) => String(d).split(','));
      for (const d of desc) if (!HEADERS[d]) throw new TspodError('USAGE', `unknown descriptor: ${d}`);
      // the host's ps formats the fields; pid/ppid are then mapped into the container's namespace
      const { execFileSync } = await import('node:child_process');
      const fields = desc.map((d) => `${d}=`).join(',');
      const text = pids.length ? execFileSync('ps', ['-o', `pid=,${fields}`, '-p', pids.join(',')], { encoding: 'utf8' }) : '';
      const { readFileSync } = await import('node:fs');
      const nsPid = (p: number) => {
        try { return (/^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? String(p)).trim().split(/\s+/).pop()!; } catch { return String(p); }
      };
      const rows = [desc.map((d) => HEADERS[d])];
      for (const line of text.split('\n').filter(Boolean)) {
        const parts = line.trim().split(/\s+/);
        const hostPid = Number(parts.shift());
        const row: string[] = [];
        let i = 0;
        for (const d of desc) {
          if (d === 'args' || d === 'comm') { row.push(parts.slice(i).join(' ')); i = parts.length; }
          else if (d === 'pid') { row.push(nsPid(hostPid)); i++; }
          else if (d === 'ppid') { const pp = Number(parts[i++]); row.push(pids.includes(pp) ? nsPid(pp) : '0'); }
          else row.push(parts[i++] ?? '');
        }
        rows.push(row);
      }
      const w = rows[0].map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
      io.stdout.write(rows.map((r) => r.map((x, j) => (j === r.length - 1 ? x : x.padEnd(w[j] + 4))).join('').trimEnd() + '\n').join(''));
      return 0;
    },
  };
}
