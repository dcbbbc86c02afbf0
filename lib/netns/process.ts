// Helper processes (slirp4netns, pasta) that must outlive the short-lived tspod process: started in
// their own session with no inherited pipes, identified later by pid plus a marker in their cmdline
// so that a recycled pid is never killed.
import { readFileSync, statSync } from 'node:fs';

/** Whether pid is alive and its command line contains marker (the netns path). */
export function isOurProcess(pid: number | undefined, marker: string): boolean {
  if (!pid || pid <= 0) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return cmd.split('\0').some((a) => a.includes(marker)) && !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone or was not ours. */
export async function stopProcess(pid: number | undefined, marker: string, graceMs = 2000): Promise<void> {
  if (!isOurProcess(pid, marker)) return;
  try { process.kill(pid!, 'SIGTERM'); } catch { return; }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isOurProcess(pid, marker)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  try { process.kill(pid!, 'SIGKILL'); } catch { /* gone */ }
}

/** Find a binary: explicit path, then the helper dirs, then PATH. */
export function findBinary(name: string, helperDirs: string[] = []): string | undefined {
  const isFile = (p: string) => { try { return statSync(p).isFile(); } catch { return false; } };
  if (name.startsWith('/')) return isFile(name) ? name : undefined;
  const pathDirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':');
  for (const d of [...helperDirs, ...pathDirs, '/usr/sbin', '/sbin']) if (d && isFile(`${d}/${name}`)) return `${d}/${name}`;
  return undefined;
}
