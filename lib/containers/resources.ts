// run/create resource limits and kernel settings as podman 4.3 parses and applies them: --cpu-*, --cpuset-*,
// --memory-*, --oom-*, --pids-limit, --blkio-*, --device-{read,write}-{bps,iops}, --sysctl, --cgroup-parent,
// --cgroupns, --cgroups, --cgroup-conf. Parsed once at create (podman's messages), applied to the
// runtime-spec's linux.resources / cgroupsPath / namespaces / sysctl / process.oomScoreAdj at each start.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { TspodError } from '../errors.ts';
import { ramInBytes } from '../units/index.ts';
import type { LinuxResources, Spec } from '../oci/runtime-spec.ts';
import { systemdUserCgroups } from '../runtime/runtime.ts';

export interface ThrottleDevice { path: string; major: number; minor: number; rate: number }
export interface WeightDevice { path: string; major: number; minor: number; weight: number }

/** What the flags asked for, as stored in the container's config (absent: not given). */
export interface ResourceConfig {
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: number;
  /** memory + swap in bytes; -1 unlimited */
  memorySwap?: number;
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  oomScoreAdj?: number;
  /** 0 = unlimited (podman's -1 and 0) */
  pidsLimit?: number;
  blkioWeight?: number;
  blkioWeightDevice?: WeightDevice[];
  readBps?: ThrottleDevice[];
  writeBps?: ThrottleDevice[];
  readIops?: ThrottleDevice[];
  writeIops?: ThrottleDevice[];
  sysctl?: Record<string, string>;
  cgroupParent?: string;
  cgroupns?: 'host' | 'private';
  cgroups?: 'enabled' | 'disabled' | 'no-conmon' | 'split';
  cgroupConf?: Record<string, string>;
}

/** The run/create flags of this file, as parsed from the command line (strings: podman's own parse errors). */
export interface ResourceFlags {
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: string;
  memorySwap?: string;
  memorySwappiness?: string;
  oomKillDisable?: boolean;
  oomScoreAdj?: string;
  pidsLimit?: string;
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  deviceReadBps?: string[];
  deviceWriteBps?: string[];
  deviceReadIops?: string[];
  deviceWriteIops?: string[];
  sysctl?: string[];
  cgroupParent?: string;
  cgroupns?: string;
  cgroups?: string;
  cgroupConf?: string[];
}

export interface ResourceContext {
  rootless: boolean;
  cgroupV2: boolean;
  /** --network as recorded ('host' shares the host's) and --ipc / --uts modes */
  network: string;
  ipcMode?: string;
  utsMode?: string;
  /** --memory in bytes and --cpus, parsed by the engine */
  memory?: number;
  cpus?: number;
  /** the OCI runtime's name, asked only for --cgroups disabled */
  runtimeName?: () => Promise<string>;
  warn(line: string): void;
}

/** The default pids limit of containers.conf (pids_limit), where cgroups are used. */
export const DEFAULT_PIDS_LIMIT = 2048;

const usage = (m: string) => new TspodError('USAGE', m);
const invalid = (m: string) => new TspodError('INVALID_RESOURCE', m);

/** pflag's message for a value its type cannot parse (Go's strconv error). */
function flagNumber(flag: string, v: string, unsigned: boolean): number {
  const ok = unsigned ? /^\+?\d+$/.test(v) : /^[+-]?\d+$/.test(v);
  if (!ok) throw usage(`invalid argument "${v}" for "${flag}" flag: strconv.Parse${unsigned ? 'Uint' : 'Int'}: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** go-units RAMInBytes (lib/units), kept under this name for the resource flags. */
export { ramInBytes };

function deviceNumbers(path: string): { major: number; minor: number } {
  const st = statSync(path);
  const rdev = BigInt(st.rdev);
  return { major: Number((rdev >> 8n) & 0xfffn), minor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n)) };
}

/** --device-{read,write}-bps / -iops DEVICE:RATE (podman's parseThrottleBPSDevices / IOpsDevices). */
function parseThrottle(list: string[] | undefined, bps: boolean): ThrottleDevice[] | undefined {
  if (!list?.length) return undefined;
  return list.map((v) => {
    const parts = v.split(':');
    if (parts.length !== 2) throw invalid(`bad format: ${v}`);
    if (!parts[0].startsWith('/dev/')) throw invalid(`bad format for device path: ${v}`);
    let rate: number;
    try {
      if (bps) rate = ramInBytes(parts[1]);
      else if (/^\d+$/.test(parts[1])) rate = Number(parts[1]);
      else throw new Error();
    } catch {
      throw invalid(bps
        ? `invalid rate for device: ${v}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`
        : `invalid rate for device: ${v}. The correct format is <device-path>:<number>. Number must be a positive integer`);
    }
    let dev: { major: number; minor: number };
    try { dev = deviceNumbers(parts[0]); } catch {
      throw invalid(`could not parse throttle device at ${parts[0]}: no such file or directory`);
    }
    return { path: parts[0], ...dev, rate };
  });
}

function parseWeightDevices(list: string[] | undefined): WeightDevice[] | undefined {
  if (!list?.length) return undefined;
  return list.map((v) => {
    const parts = v.split(':');
    if (parts.length !== 2) throw invalid(`bad format: ${v}`);
    if (!parts[0].startsWith('/dev/')) throw invalid(`bad format for device path: ${v}`);
    const w = /^\d+$/.test(parts[1]) ? Number(parts[1]) : NaN;
    if (!(w >= 10 && w <= 1000)) throw invalid(`invalid weight for device: ${v}`);
    let dev: { major: number; minor: number };
    try { dev = deviceNumbers(parts[0]); } catch {
      throw invalid(`failed to inspect '${parts[0]}' in --blkio-weight-device: no such file or directory`);
    }
    return { path: parts[0], ...dev, weight: w };
  });
}

/** "0-2,5" -> [0,1,2,5], or undefined when malformed. */
export function parseCpuList(s: string): number[] | undefined {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) return undefined;
    for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

function readFirst(paths: string[]): string | undefined {
  for (const p of paths) {
    try { return readFileSync(p, 'utf8').trim(); } catch { /* next */ }
  }
  return undefined;
}

function checkCpuset(value: string, what: 'cpus' | 'mems', available: string | undefined): void {
  const want = parseCpuList(value);
  if (!want) throw invalid(`invalid value ${value} for cpuset ${what}`);
  const have = available !== undefined ? parseCpuList(available) : undefined;
  if (have && want.some((n) => !have.includes(n))) {
    throw invalid(`requested ${what === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${value}, available: ${available}`);
  }
}

/** The IPC sysctls the kernel namespaces (podman's validSysctls), and the namespaced prefixes. */
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];

export function parseSysctls(list: string[] | undefined, ctx: Pick<ResourceContext, 'network' | 'ipcMode'>): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const s of list) {
    const i = s.indexOf('=');
    if (i <= 0 || i === s.length - 1) throw invalid(`${s} is invalid, sysctl values must be in the form of KEY=VALUE`);
    const k = s.slice(0, i), v = s.slice(i + 1);
    const ipc = IPC_SYSCTLS.includes(k) || k.startsWith('fs.mqueue.');
    if (!ipc && !k.startsWith('net.')) throw invalid(`sysctl '${k}' is not allowed`);
    if (k.startsWith('net.') && ctx.network === 'host') throw invalid(`sysctl ${s} can't be set since Network Namespace set to host: invalid argument`);
    if (ipc && ctx.ipcMode === 'host') throw invalid(`sysctl ${s} can't be set since IPC Namespace set to host: invalid argument`);
    out[k] = v;
  }
  return out;
}

/** Whether the kernel has a blkio/io weight file to write (podman's sysinfo BlkioWeight). */
function blkioWeightSupported(v2: boolean): boolean {
  if (v2) return existsSync('/sys/fs/cgroup/io.bfq.weight') || /\bio\b/.test(readFirst(['/sys/fs/cgroup/cgroup.subtree_control']) ?? '') && existsSync('/sys/fs/cgroup/io.weight');
  return existsSync('/sys/fs/cgroup/blkio/blkio.weight') || existsSync('/sys/fs/cgroup/blkio/blkio.bfq.weight');
}

/** Parse and check the flags with podman's rules and messages; undefined when none was given. */
export async function parseResourceFlags(o: ResourceFlags, ctx: ResourceContext): Promise<ResourceConfig | undefined> {
  const r: ResourceConfig = {};
  if (o.cpuShares !== undefined) r.cpuShares = flagNumber('-c, --cpu-shares', o.cpuShares, true);
  if (o.cpuPeriod !== undefined) r.cpuPeriod = flagNumber('--cpu-period', o.cpuPeriod, true);
  if (o.cpuQuota !== undefined) r.cpuQuota = flagNumber('--cpu-quota', o.cpuQuota, false);
  if (o.memorySwappiness !== undefined) r.memorySwappiness = flagNumber('--memory-swappiness', o.memorySwappiness, false);
  if (o.oomScoreAdj !== undefined) r.oomScoreAdj = flagNumber('--oom-score-adj', o.oomScoreAdj, false);
  if (o.pidsLimit !== undefined) r.pidsLimit = Math.max(0, flagNumber('--pids-limit', o.pidsLimit, false));
  if (o.oomKillDisable) r.oomKillDisable = true;
  if (o.cpusetCpus !== undefined && o.cpusetCpus !== '') r.cpusetCpus = o.cpusetCpus;
  if (o.cpusetMems !== undefined && o.cpusetMems !== '') r.cpusetMems = o.cpusetMems;
  const mem = (v: string) => {
    try { return ramInBytes(v); } catch (err) { throw invalid(`invalid value for memory: ${(err as Error).message}`); }
  };
  if (o.memoryReservation) r.memoryReservation = mem(o.memoryReservation);
  if (o.memorySwap) r.memorySwap = o.memorySwap === '-1' ? -1 : mem(o.memorySwap);
  if (o.blkioWeight) {
    if (!/^\d+$/.test(o.blkioWeight)) throw invalid(`invalid value for blkio-weight: strconv.ParseUint: parsing ${JSON.stringify(o.blkioWeight)}: invalid syntax`);
    r.blkioWeight = Number(o.blkioWeight);
  }
  r.blkioWeightDevice = parseWeightDevices(o.blkioWeightDevice);
  r.readBps = parseThrottle(o.deviceReadBps, true);
  r.writeBps = parseThrottle(o.deviceWriteBps, true);
  r.readIops = parseThrottle(o.deviceReadIops, false);
  r.writeIops = parseThrottle(o.deviceWriteIops, false);
  r.sysctl = parseSysctls(o.sysctl, ctx);
  if (o.cgroupns !== undefined) {
    // container:ID and ns:PATH are podman's too; tspod shares the host's or makes a private one
    if (o.cgroupns !== 'host' && o.cgroupns !== 'private') throw invalid(`unrecognized namespace mode ${o.cgroupns} passed`);
    r.cgroupns = o.cgroupns;
  }
  if (o.cgroups !== undefined) {
    if (!['enabled', 'disabled', 'no-conmon', 'split'].includes(o.cgroups)) throw invalid(`running container create option: invalid cgroup mode "${o.cgroups}": invalid argument`);
    r.cgroups = o.cgroups as ResourceConfig['cgroups'];
  }
  if (o.cgroupParent) r.cgroupParent = o.cgroupParent;
  if (o.cgroupConf?.length) {
    r.cgroupConf = {};
    for (const kv of o.cgroupConf) {
      const i = kv.indexOf('=');
      if (i < 0) throw invalid('--cgroup-conf must be formatted KEY=VALUE');
      r.cgroupConf[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  for (const k of Object.keys(r) as (keyof ResourceConfig)[]) if (r[k] === undefined) delete r[k];
  if (Object.keys(r).length === 0) return undefined;

  // podman's verifyContainerResources: rootless on cgroup v1 ignores the limits (the engine prints the warning)
  if (r.cgroups === 'disabled') {
    if (r.cgroupParent) throw invalid('cannot set cgroup parent if not creating cgroups: invalid argument');
    const name = await ctx.runtimeName?.();
    // runc always makes a cgroup: podman refuses it (crun runs without)
    if (name === 'runc') throw invalid('requested OCI runtime runc is not compatible with NoCgroups: invalid argument');
  }
  if (r.cgroupConf && !ctx.cgroupV2) throw invalid('cannot use --cgroup-conf without cgroup v2');
  if (ctx.rootless && !ctx.cgroupV2) return r;
  if (ctx.cpus && r.cpuPeriod !== undefined) throw invalid('--cpu-period and --cpus cannot be set together');
  if (ctx.cpus && r.cpuQuota !== undefined) throw invalid('--cpu-quota and --cpus cannot be set together');
  if (r.cpuPeriod !== undefined && r.cpuPeriod !== 0 && (r.cpuPeriod < 1000 || r.cpuPeriod > 1000000)) {
    throw invalid('CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (r.cpuQuota !== undefined && r.cpuQuota > 0 && r.cpuQuota < 1000) throw invalid('CPU cfs quota cannot be less than 1ms (i.e. 1000)');
  const v1 = '/sys/fs/cgroup/cpuset/', v2 = '/sys/fs/cgroup/';
  if (r.cpusetCpus) checkCpuset(r.cpusetCpus, 'cpus', readFirst([`${v1}cpuset.effective_cpus`, `${v2}cpuset.cpus.effective`, '/sys/devices/system/cpu/online']));
  if (r.cpusetMems) checkCpuset(r.cpusetMems, 'mems', readFirst([`${v1}cpuset.effective_mems`, `${v2}cpuset.mems.effective`, '/sys/devices/system/node/online']) ?? '0');
  if (r.memorySwap !== undefined && r.memorySwap !== -1) {
    if (!ctx.memory) throw invalid('you should always set a memory limit when using a memoryswap limit, see usage');
    if (r.memorySwap < ctx.memory) throw invalid('minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (r.memorySwappiness !== undefined && r.memorySwappiness !== -1 && (r.memorySwappiness < 0 || r.memorySwappiness > 100)) {
    throw invalid(`invalid value: ${r.memorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (r.blkioWeight !== undefined && !blkioWeightSupported(ctx.cgroupV2)) {
    ctx.warn('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n');
    delete r.blkioWeight;
  } else if (r.blkioWeight !== undefined && (r.blkioWeight < 10 || r.blkioWeight > 1000)) {
    throw invalid('range of blkio weight is from 10 to 1000');
  }
  return r;
}

/** Whether the config holds a cgroup limit (the ones rootless cgroup v1 ignores with podman's warning). */
export function hasLimits(r: ResourceConfig | undefined): boolean {
  if (!r) return false;
  const { sysctl, cgroupns, cgroups, oomScoreAdj, cgroupParent, ...limits } = r;
  return Object.keys(limits).length > 0;
}

/** The caller's own cgroup (--cgroups split puts the container below it): v2's unified line, else v1's name=systemd. */
function ownCgroup(v2: boolean): string {
  const lines = readFirst(['/proc/self/cgroup'])?.split('\n') ?? [];
  const line = lines.find((l) => (v2 ? l.startsWith('0::') : l.includes(':name=systemd:')));
  return line ? line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) : '/';
}

interface ResourceTarget {
  id: string;
  rootless: boolean;
  privileged?: boolean;
  resources?: ResourceConfig;
}

/**
 * Apply the container's resources to a spec generateSpec made (its cgroupsPath, linux.resources with
 * --memory/--cpus, or none for rootless cgroup v1): limits, cgroup path and namespace, sysctls, OOM score.
 */
export function applyResources(spec: Spec, c: ResourceTarget, cgroupV2: boolean): void {
  const r = c.resources ?? {};
  const linux = spec.linux;
  if (r.oomScoreAdj !== undefined) spec.process.oomScoreAdj = r.oomScoreAdj;
  if (r.sysctl) linux.sysctl = { ...linux.sysctl, ...r.sysctl };
  // cgroup namespace: podman's default is the host's on v1, a private one on v2
  const cgroupns = r.cgroupns ?? (cgroupV2 ? 'private' : 'host');
  linux.namespaces = linux.namespaces.filter((n) => n.type !== 'cgroup');
  if (cgroupns === 'private') linux.namespaces.push({ type: 'cgroup' });
  if (r.cgroups === 'disabled') {
    delete linux.cgroupsPath;
    delete linux.resources;
    return;
  }
  const res = linux.resources;
  // rootless on cgroup v1: no cgroups at all (generateSpec left them out)
  if (!res) return;
  if (!c.rootless) {
    const parent = r.cgroups === 'split' ? ownCgroup(cgroupV2) : r.cgroupParent ?? '/tspod_parent';
    linux.cgroupsPath = `${parent.replace(/\/+$/, '')}/tspod-${c.id}`;
  } else if (systemdUserCgroups(true)) {
    // podman's rootless cgroup v2 manager: a scope of the user's systemd (runtime run with --systemd-cgroup)
    linux.cgroupsPath = `${r.cgroupParent ?? 'user.slice'}:tspod:${c.id}`;
  }
  applyLimits(res, r);
}

/** cgroup v2, or v1 with memory.memsw.* (swap accounting on). */
function swapAccounting(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
}

function applyLimits(res: LinuxResources, r: ResourceConfig): void {
  const memory = { ...res.memory };
  if (r.memoryReservation !== undefined) memory.reservation = r.memoryReservation;
  if (r.memorySwap !== undefined && r.memorySwap !== -1) memory.swap = r.memorySwap;
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  // --memory alone: as much swap again (podman), where the kernel accounts swap
  if (memory.limit && r.memorySwap === undefined && memory.swap === undefined && swapAccounting()) memory.swap = 2 * memory.limit;
  if (Object.keys(memory).length) res.memory = memory;
  const cpu = { ...res.cpu };
  if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined && r.cpuQuota !== 0) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod !== undefined && r.cpuPeriod !== 0) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) res.cpu = cpu;
  res.pids = { limit: r.pidsLimit ?? DEFAULT_PIDS_LIMIT };
  const dev = (d: ThrottleDevice) => ({ major: d.major, minor: d.minor, rate: d.rate });
  const blockIO: NonNullable<LinuxResources['blockIO']> = {};
  if (r.blkioWeight !== undefined) blockIO.weight = r.blkioWeight;
  if (r.blkioWeightDevice) blockIO.weightDevice = r.blkioWeightDevice.map((d) => ({ major: d.major, minor: d.minor, weight: d.weight }));
  if (r.readBps) blockIO.throttleReadBpsDevice = r.readBps.map(dev);
  if (r.writeBps) blockIO.throttleWriteBpsDevice = r.writeBps.map(dev);
  if (r.readIops) blockIO.throttleReadIOPSDevice = r.readIops.map(dev);
  if (r.writeIops) blockIO.throttleWriteIOPSDevice = r.writeIops.map(dev);
  if (Object.keys(blockIO).length) res.blockIO = blockIO;
  if (r.cgroupConf) res.unified = { ...r.cgroupConf };
}

/** podman 4.3's inspect HostConfig fields for these flags (what the container runs with; undefined: left as is). */
export function inspectResources(c: { rootless: boolean; memory?: number; resources?: ResourceConfig; userns?: { mode: string; path?: string } }): Record<string, unknown> {
  const r = c.resources ?? {};
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const cgroups = !(c.rootless && !v2) && r.cgroups !== 'disabled';
  // podman's lists are null without any block IO setting, else [] where empty
  const none = r.readBps || r.writeBps || r.readIops || r.writeIops || r.blkioWeightDevice ? [] : null;
  const throttle = (l?: ThrottleDevice[]) => l?.map((d) => ({ Path: d.path, Rate: d.rate })) ?? none;
  const out: Record<string, unknown> = {
    CpuShares: r.cpuShares ?? 0, CpusetCpus: r.cpusetCpus ?? '', CpusetMems: r.cpusetMems ?? '',
    MemoryReservation: r.memoryReservation ?? 0,
    MemorySwap: !cgroups || r.memorySwap === -1 ? 0 : r.memorySwap ?? (c.memory && swapAccounting() ? 2 * c.memory : 0),
    // -1 where the spec has a memory section without it, as podman reads it back
    MemorySwappiness: r.memorySwappiness !== undefined && r.memorySwappiness >= 0 ? r.memorySwappiness
      : cgroups && (c.memory || r.memoryReservation !== undefined || r.memorySwap !== undefined || r.oomKillDisable) ? -1 : 0,
    OomKillDisable: !!r.oomKillDisable, OomScoreAdj: r.oomScoreAdj ?? 0, PidsLimit: cgroups ? r.pidsLimit ?? DEFAULT_PIDS_LIMIT : 0,
    BlkioWeight: r.blkioWeight ?? 0, BlkioWeightDevice: r.blkioWeightDevice?.map((d) => ({ Path: d.path, Weight: d.weight })) ?? none,
    BlkioDeviceReadBps: throttle(r.readBps), BlkioDeviceWriteBps: throttle(r.writeBps), BlkioDeviceReadIOps: throttle(r.readIops), BlkioDeviceWriteIOps: throttle(r.writeIops),
    CgroupParent: r.cgroupParent ?? '', CgroupMode: r.cgroupns ?? (v2 ? 'private' : 'host'),
    Cgroups: r.cgroups === 'disabled' ? 'disabled' : 'default',
    CgroupConf: r.cgroupConf ?? null,
    UsernsMode: !c.userns ? '' : c.userns.mode === 'ns' ? `ns:${c.userns.path}` : c.userns.mode,
  };
  if (r.cpuPeriod !== undefined) out.CpuPeriod = r.cpuPeriod;
  if (r.cpuQuota !== undefined) out.CpuQuota = r.cpuQuota;
  return out;
}
