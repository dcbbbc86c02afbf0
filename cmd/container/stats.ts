// podman 4.3's `stats`: one frame per --interval (default 5 s) until SIGINT/SIGTERM, or one with
// --no-stream. The figures come from the container's cgroup (v1 controllers or v2 unified) and its
// network namespace; CPU % is over the last interval (the first frame: since the start).
import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import type { Container } from '../../lib/containers/types.ts';
import { goSize } from '../../lib/units/index.ts';

interface StatsOptions { names?: string[]; all?: boolean; noStream?: boolean; format?: string; noReset?: boolean; latest?: boolean; interval?: number }

export interface CgroupSample { cpuNs?: number; mem?: number; limit?: number; pids?: number; blkRead?: number; blkWrite?: number }

type Fs = typeof import('node:fs');
const fs = () => process.getBuiltinModule('node:fs') as Fs;

function readText(path: string): string | undefined {
  try { return fs().readFileSync(path, 'utf8'); } catch { return undefined; }
}

function readNum(path: string): number | undefined {
  const t = readText(path)?.trim();
  if (t === undefined || t === '') return undefined;
  return t === 'max' ? Infinity : Number(t.split('\n')[0]);
}

/** The container's cgroup per controller ('' = v2 unified) from /proc/PID/cgroup; fallback when it is gone. */
function cgroupPaths(pid: number, fallback: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (pid ? readText(`/proc/${pid}/cgroup`) ?? '' : '').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(',')) out.set(c.replace(/^name=/, ''), m[2]);
  }
  if (out.size === 0 && fallback) for (const c of ['', 'cpuacct', 'memory', 'pids', 'blkio']) out.set(c, fallback);
  return out;
}

/** cpu ns, memory bytes and limit, pids and block I/O from the container's cgroup (v2 unified or v1 controllers). */
export function cgroupStats(pid: number, fallbackPath: string): CgroupSample {
  const paths = cgroupPaths(pid, fallbackPath);
  if (fs().existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    const d = `/sys/fs/cgroup${paths.get('') ?? fallbackPath}`;
    const cpu = /usage_usec (\d+)/.exec(readText(`${d}/cpu.stat`) ?? '');
    let blkRead = 0, blkWrite = 0;
    for (const m of (readText(`${d}/io.stat`) ?? '').matchAll(/rbytes=(\d+) wbytes=(\d+)/g)) { blkRead += Number(m[1]); blkWrite += Number(m[2]); }
    return { cpuNs: cpu ? Number(cpu[1]) * 1000 : undefined, mem: readNum(`${d}/memory.current`), limit: readNum(`${d}/memory.max`), pids: readNum(`${d}/pids.current`), blkRead, blkWrite };
  }
  const at = (ctl: string) => `/sys/fs/cgroup/${ctl}${paths.get(ctl) ?? fallbackPath}`;
  let blkRead = 0, blkWrite = 0;
  for (const m of (readText(`${at('blkio')}/blkio.throttle.io_service_bytes`) ?? '').matchAll(/^\S+ (Read|Write) (\d+)$/gm)) {
    if (m[1] === 'Read') blkRead += Number(m[2]); else blkWrite += Number(m[2]);
  }
  return {
    cpuNs: readNum(`${at('cpuacct')}/cpuacct.usage`), mem: readNum(`${at('memory')}/memory.usage_in_bytes`),
    limit: readNum(`${at('memory')}/memory.limit_in_bytes`), pids: readNum(`${at('pids')}/pids.current`), blkRead, blkWrite,
  };
}

/** Bytes received and sent on the container's interfaces but lo (its network namespace, seen through PID). */
function netIO(pid: number): { rx: number; tx: number } {
  let rx = 0, tx = 0;
  for (const line of (pid ? readText(`/proc/${pid}/net/dev`) ?? '' : '').split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)/.exec(line);
    if (m && m[1] !== 'lo') { rx += Number(m[2]); tx += Number(m[3]); }
  }
  return { rx, tx };
}

/** go-units HumanSizeWithPrecision(n, 4), as podman prints stats sizes: 356.4kB, 25.28GB. */
export const humanSize4 = (n: number): string => goSize(n);

/** go-units BytesSize: 252KiB, 23.54GiB. */
const binarySize = (n: number): string => goSize(n, { base: 1024, binaryNames: true });

/** Go's time.Duration String(): 0s, 812ns, 24.301507ms, 1.61987218s, 8m42.168619053s. */
export function goDuration(ns: number): string {
  ns = Math.round(ns);
  if (ns === 0) return '0s';
  const frac = (v: number, unit: number, digits: number) => {
    const f = String(v % unit).padStart(digits, '0').replace(/0+$/, '');
    return `${Math.floor(v / unit)}${f ? '.' + f : ''}`;
  };
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${frac(ns, 1e3, 3)}µs`;
  if (ns < 1e9) return `${frac(ns, 1e6, 6)}ms`;
  const h = Math.floor(ns / 3.6e12), m = Math.floor((ns % 3.6e12) / 6e10);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${frac(ns % 6e10, 1e9, 9)}s`;
}

const pct = (x: number) => `${x.toFixed(2)}%`;

/** One container's figures: podman's ContainerStats fields plus the methods its templates call. */
function sample(c: Container, prev: Map<string, { cpu: number; at: number }>, hostMem: number, now: number) {
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const s: CgroupSample = running ? cgroupStats(c.state.pid, c.config.rootless ? '' : `/tspod_parent/tspod-${c.config.id}`) : {};
  const net = running ? netIO(c.state.pid) : { rx: 0, tx: 0 };
  const cpuNs = s.cpuNs ?? 0;
  const started = running ? Date.parse(c.state.startedAt) : now;
  const p = prev.get(c.config.id) ?? { cpu: 0, at: started };
  if (running) prev.set(c.config.id, { cpu: cpuNs, at: now });
  const cpu = now > p.at ? (100 * (cpuNs - p.cpu)) / ((now - p.at) * 1e6) : 0;
  const avg = now > started ? (100 * cpuNs) / ((now - started) * 1e6) : 0;
  const mem = s.mem ?? 0;
  // no limit (v1's huge number, v2's max): the host's memory, as podman
  const limit = running ? Math.min(s.limit !== undefined && Number.isFinite(s.limit) ? s.limit : hostMem, hostMem) : 0;
  const memPerc = limit ? (100 * mem) / limit : 0;
  return {
    ContainerID: c.config.id, Name: c.config.names[0], PerCPU: null, CPU: cpu, CPUNano: cpuNs, CPUSystemNano: 0, SystemNano: now * 1e6,
    MemLimit: limit, MemPerc: pct(memPerc), NetInput: net.rx, NetOutput: net.tx, BlockInput: s.blkRead ?? 0, BlockOutput: s.blkWrite ?? 0,
    PIDs: s.pids ?? 0, UpTime: goDuration(cpuNs), Duration: cpuNs, AvgCPU: avg,
    ID: c.config.id.slice(0, 12), CPUPerc: pct(cpu), AVGCPU: pct(avg), PIDS: String(s.pids ?? 0),
    MemUsage: `${humanSize4(mem)} / ${humanSize4(limit)}`, MemUsageBytes: `${binarySize(mem)} / ${binarySize(limit)}`,
    NetIO: `${humanSize4(net.rx)} / ${humanSize4(net.tx)}`, BlockIO: `${humanSize4(s.blkRead ?? 0)} / ${humanSize4(s.blkWrite ?? 0)}`,
  };
}

type Row = ReturnType<typeof sample>;

const DEFAULT_FORMAT = '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}';
const HEADERS = { ID: 'ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDS: 'PIDS', UpTime: 'CPU TIME', AVGCPU: 'AVG CPU %' };

/** podman's stats --format json: its own names, indented by one space. */
function jsonFrame(rows: Row[]): string {
  return JSON.stringify(rows.map((r) => ({
    id: r.ID, name: r.Name, cpu_time: r.UpTime, cpu_percent: r.CPUPerc, avg_cpu: r.AVGCPU, mem_usage: r.MemUsage,
    mem_percent: r.MemPerc, net_io: r.NetIO, block_io: r.BlockIO, pids: r.PIDS,
  })), null, 1) + '\n';
}

export function statsCommand(): CommandModule<StatsOptions> {
  return {
    command: 'stats [names..]',
    describe: 'Display a live stream of container resource usage statistics',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers. Only running containers are shown by default' })
      .option('no-stream', { type: 'boolean', describe: 'Disable streaming stats and only pull the first result' })
      .option('no-reset', { type: 'boolean', describe: 'Disable resetting the screen between intervals' })
      .option('interval', { alias: 'i', type: 'number', default: 5, describe: 'Time in seconds between stats reports' })
      .option('format', { type: 'string', describe: 'Pretty-print container statistics to JSON or using a Go template' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { cgroupV2 } = await import('../../lib/runtime/runtime.ts');
      if (engine.rootless && !cgroupV2()) throw new TspodError('NO_CGROUPS', 'stats is not supported in rootless mode without cgroups v2');
      const interval = o.interval ?? 5;
      if (!(interval > 0)) throw new TspodError('USAGE', 'invalid interval, must be a positive number greater zero');
      if (o.latest && o.names?.length) throw new TspodError('USAGE', '--latest and containers cannot be used together');
      const { formatList, isJsonFormat } = await import('../shared/format.ts');
      const { totalmem } = await import('node:os');
      // named containers are looked up once: an unknown one fails before the first frame
      let ids: string[] | undefined;
      if (o.names?.length) {
        ids = [];
        for (const n of o.names) {
          try { ids.push((await engine.inspect(n)).config.id); } catch (err) {
            throw new TspodError((err as TspodError).code ?? 'NOT_FOUND', `unable to get list of containers: unable to look up container ${n}: ${(err as Error).message}`);
          }
        }
      }
      if (o.latest) {
        const newest = (await engine.list()).sort((a, b) => Date.parse(b.config.created) - Date.parse(a.config.created))[0];
        ids = newest ? [newest.config.id] : [];
      }
      const prev = new Map<string, { cpu: number; at: number }>();
      const reset = !o.noStream && !o.noReset && !!io.stdout.isTTY;
      let stopped = false;
      let wake = () => {};
      const onSignal = () => { stopped = true; wake(); };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        for (;;) {
          let list: Container[];
          if (ids) {
            const all = await engine.list();
            list = ids.map((id) => all.find((c) => c.config.id === id)).filter((c): c is Container => !!c);
          } else {
            list = (await engine.list()).filter((c) => o.all || c.state.status === 'running' || c.state.status === 'paused')
              .sort((a, b) => Date.parse(a.config.created) - Date.parse(b.config.created));
          }
          const now = Date.now();
          const rows = list.map((c) => sample(c, prev, totalmem(), now));
          const text = isJsonFormat(o.format) ? jsonFrame(rows)
            : await formatList(o.format && !/^\s*table\s*$/.test(o.format) ? o.format : `table ${DEFAULT_FORMAT}`, rows, `table ${DEFAULT_FORMAT}`, { headers: HEADERS, name: 'stats' });
          io.stdout.write((reset ? '\x1b[2J\x1b[1;1H' : '') + text);
          if (o.noStream || stopped) break;
          // named containers: the stream ends once none of them runs any more (podman 4.3 would print zeros forever)
          if (ids && !list.some((c) => c.state.status === 'running' || c.state.status === 'paused')) break;
          await new Promise<void>((r) => { const t = setTimeout(r, interval * 1000); wake = () => { clearTimeout(t); r(); }; });
          if (stopped) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return 0;
    },
  };
}
