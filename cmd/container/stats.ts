import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface StatsOptions { names?: string[]; all?: boolean; noStream?: boolean; format?: string; noReset?: boolean; latest?: boolean }

function readNum(path: string): number | undefined {
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const t = readFileSync(path, 'utf8').trim();
    return t === 'max' ? Infinity : Number(t.split('\n')[0]);
  } catch { return undefined; }
}

/** cpu ns, memory bytes and limit, pids from the container's cgroup (v2 unified or v1 controllers). */
export function cgroupStats(cgroupPath: string): { cpuNs?: number; mem?: number; limit?: number; pids?: number } {
  const { existsSync, readFileSync } = process.getBuiltinModule('node:fs') as typeof import('node:fs');
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const d = `/sys/fs/cgroup${cgroupPath}`;
    let cpuNs: number | undefined;
    try { cpuNs = Number(/usage_usec (\d+)/.exec(readFileSync(`${d}/cpu.stat`, 'utf8'))?.[1]) * 1000; } catch { /* none */ }
    return { cpuNs, mem: readNum(`${d}/memory.current`), limit: readNum(`${d}/memory.max`), pids: readNum(`${d}/pids.current`) };
  }
  return {
    cpuNs: readNum(`/sys/fs/cgroup/cpuacct${cgroupPath}/cpuacct.usage`),
    mem: readNum(`/sys/fs/cgroup/memory${cgroupPath}/memory.usage_in_bytes`),
    limit: readNum(`/sys/fs/cgroup/memory${cgroupPath}/memory.limit_in_bytes`),
    pids: readNum(`/sys/fs/cgroup/pids${cgroupPath}/pids.current`),
  };
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '--';
  if (!Number.isFinite(n) || n > 2 ** 60) return 'unlimited';
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${n < 10 && i ? n.toFixed(2) : n < 100 && i ? n.toFixed(1) : Math.round(n)}${u[i]}`;
}

export function statsCommand(): CommandModule<StatsOptions> {
  return {
    command: 'stats [names..]',
    describe: 'Display a live stream of container resource usage statistics',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers. Only running containers are shown by default' })
      .option('no-stream', { type: 'boolean', describe: 'Disable streaming stats and only pull the first result' })
      .option('no-reset', { type: 'boolean', describe: 'Disable resetting the screen between intervals' })
      .option('format', { type: 'string', describe: 'Pretty-print container statistics to JSON or using a Go template' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { cgroupV2 } = await import('../../lib/runtime/runtime.ts');
      if (engine.rootless && !cgroupV2()) throw new TspodError('NO_CGROUPS', 'stats is not supported in rootless mode without cgroups v2');
      let list = (await engine.list()).filter((c) => c.state.status === 'running');
      if (o.names?.length) list = await Promise.all(o.names.map((n) => engine.inspect(n)));
      const rows = list.map((c) => {
        const s = cgroupStats(c.config.rootless ? '' : `/tspod_parent/tspod-${c.config.id}`);
        const elapsed = (Date.now() - Date.parse(c.state.startedAt)) * 1e6;
        const cpu = s.cpuNs !== undefined && elapsed > 0 ? (100 * s.cpuNs) / elapsed : undefined;
        const memPct = s.mem !== undefined && s.limit && Number.isFinite(s.limit) && s.limit < 2 ** 60 ? (100 * s.mem) / s.limit : undefined;
        return {
          ID: c.config.id.slice(0, 12), Name: c.config.names[0], CPUPerc: cpu === undefined ? '--' : `${cpu.toFixed(2)}%`,
          MemUsage: `${bytes(s.mem)} / ${bytes(s.limit)}`, MemPerc: memPct === undefined ? '--' : `${memPct.toFixed(2)}%`,
          NetIO: '-- / --', BlockIO: '-- / --', PIDs: s.pids === undefined ? '--' : String(s.pids),
          CPUNano: s.cpuNs ?? 0, MemUsageBytes: s.mem ?? 0,
        };
      });
      if (o.format === 'json') {
        io.stdout.write(JSON.stringify(rows, null, 4) + '\n');
        return 0;
      }
      if (o.format) {
        const { renderTemplate } = await import('../../lib/template/index.ts');
        for (const r of rows) io.stdout.write(renderTemplate(o.format.replace(/^table\s*/, ''), r).replace(/\n?$/, '\n'));
        return 0;
      }
      const table = [['ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET IO', 'BLOCK IO', 'PIDS'], ...rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs])];
      const w = table[0].map((_, j) => Math.max(...table.map((r) => r[j].length)));
      io.stdout.write(table.map((r) => r.map((x, j) => (j === r.length - 1 ? x : x.padEnd(w[j] + 2))).join('') + '\n').join(''));
      return 0;
    },
  };
}
