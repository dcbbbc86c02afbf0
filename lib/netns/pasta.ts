// pasta (from passt): user-mode networking that copies the host's addresses and routes into the
// namespace. It daemonizes itself once the namespace is configured and writes its pid file, so the
// caller simply waits for it to exit. Port options as podman 4.x builds them.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { TspodError } from '../errors.ts';
import type { PortMapping } from './ports.ts';

const run = promisify(execFile);

export interface PastaOptions {
  binary: string;
  netnsPath: string;
  pidFile: string;
  ports: PortMapping[];
  /** Extra options from --network pasta:OPTS or containers.conf pasta_options. */
  extra?: string[];
}

export interface PastaState {
  pid: number;
}

/** The pasta command line for o (without the binary). */
export function pastaArgs(o: PastaOptions): string[] {
  const args = ['--config-net'];
  for (const p of o.ports) {
    const flag = p.protocol === 'udp' ? '-u' : p.protocol === 'tcp' ? '-t' : undefined;
    if (!flag) throw new TspodError('INVALID_PORT', `pasta cannot forward ${p.protocol} ports`);
    const n = p.range ?? 1;
    const addr = p.hostIp ? `${p.hostIp}/` : '';
    args.push(flag, `${addr}${p.hostPort}-${p.hostPort + n - 1}:${p.containerPort}-${p.containerPort + n - 1}`);
  }
  const extra = o.extra ?? [];
  args.push(...extra);
  // No automatic forwarding of whatever the container binds: only what was published.
  for (const f of ['-t', '-u', '-T', '-U']) if (!args.includes(f) && !extra.some((e) => e.startsWith(`${f}=`))) args.push(f, 'none');
  // As uid 0 (rootful, or root of the rootless user namespace) pasta would switch to "nobody",
  // which cannot enter the namespace.
  if (process.getuid?.() === 0) args.push('--runas', '0');
  args.push('--quiet', '--pid', o.pidFile, '--netns', o.netnsPath);
  return args;
}

export async function startPasta(o: PastaOptions): Promise<PastaState> {
  rmSync(o.pidFile, { force: true });
  try {
    await run(o.binary, pastaArgs(o), { timeout: 15_000 });
  } catch (err) {
    const out = `${(err as { stderr?: string }).stderr ?? ''}${(err as { stdout?: string }).stdout ?? ''}`;
    const msg = out.split('\n').filter((l) => l && !l.startsWith('Failed to send')).pop() ?? (err as Error).message;
    throw new TspodError('PASTA', `starting pasta: ${msg.trim()}`, { cause: err });
  }
  const pid = Number(readFileSync(o.pidFile, 'utf8').trim());
  return { pid };
}
