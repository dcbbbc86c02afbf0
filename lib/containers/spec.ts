// The runtime-spec config.json for a container, with podman's defaults (capabilities, masked and
// read-only paths, the standard mounts) and Docker's rules for the process (ENTRYPOINT/CMD, env).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import type { ContainerConfig as ImageRunConfig } from '../oci/types.ts';
import type { Mount, Rlimit, Spec } from '../oci/runtime-spec.ts';
import type { ContainerConfig } from './types.ts';
import { additionalGids, applySpecFlags } from './specflags.ts';
import { applyResources } from './resources.ts';
import { applyUserns } from './userns.ts';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** containers.conf default_capabilities. */
export const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'];

export const ALL_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'];

const MASKED = ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block'];
const READONLY = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface SecurityOpts {
  seccomp?: string;
  noNewPrivileges: boolean;
  apparmor?: string;
  labels: string[];
  mask: string[];
  unmask: string[];
  procOpts: string[];
}

/** --security-opt as podman parses it (cmd/podman/common parseSecurityOpt), with its error texts. */
export function parseSecurityOpts(list: string[]): SecurityOpts {
  const r: SecurityOpts = { noNewPrivileges: false, labels: [], mask: [], unmask: [], procOpts: [] };
  for (let opt of list) {
    // Docker's deprecated "key:value" form
    if (!opt.includes('=') && opt.includes(':')) opt = opt.replace(':', '=');
    if (opt === 'no-new-privileges') { r.noNewPrivileges = true; continue; }
    const i = opt.indexOf('=');
    if (i < 0) throw new TspodError('INVALID_SECURITY_OPT', `invalid --security-opt 1: "${opt}"`);
    const k = opt.slice(0, i), v = opt.slice(i + 1);
    switch (k) {
      case 'apparmor': r.apparmor = v; break;
      // no SELinux on the hosts tspod runs on: accepted and recorded, as podman does where SELinux is off
      case 'label': r.labels.push(v); break;
      case 'mask': r.mask.push(...v.split(':').filter(Boolean)); break;
      case 'unmask': r.unmask.push(...v.split(':').filter(Boolean)); break;
      case 'proc-opts': r.procOpts = v.split(','); break;
      case 'seccomp': r.seccomp = v; break;
      case 'systempaths':
        if (v !== 'unconfined') throw new TspodError('INVALID_SECURITY_OPT', `invalid systempaths option "${v}", only \`unconfined\` is supported`);
        r.unmask.push('ALL');
        break;
      case 'no-new-privileges':
        if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(v)) throw new TspodError('INVALID_SECURITY_OPT', `invalid --security-opt 2: "${opt}"`);
        r.noNewPrivileges = ['true', '1', 't', 'TRUE', 'True'].includes(v);
        break;
      default: throw new TspodError('INVALID_SECURITY_OPT', `invalid --security-opt 2: "${opt}"`);
    }
  }
  // podman logs relative mask paths and skips them (create prints that, see ContainerEngine.create)
  r.mask = r.mask.filter((m) => m.startsWith('/'));
  if (r.apparmor && r.apparmor !== 'unconfined' && !apparmorEnabled()) {
    throw new TspodError('INVALID_SECURITY_OPT', `apparmor profile "${r.apparmor}" specified, but Apparmor is not enabled on this system`);
  }
  return r;
}

function apparmorEnabled(): boolean {
  try { return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y'; } catch { return false; }
}

/** podman's shouldUnmask: ALL, or a glob over the default path. */
function unmasked(path: string, unmask: string[]): boolean {
  return unmask.some((u) => u === 'ALL' || u === path || globRe(u).test(path));
}

function globRe(g: string): RegExp {
  return new RegExp('^' + g.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
}

/** Docker's rules: args after the image replace CMD and are appended to ENTRYPOINT; --entrypoint replaces
 *  ENTRYPOINT and drops the image CMD. */
export function processArgs(image: ImageRunConfig | undefined, entrypointFlag: string[] | undefined, args: string[]):
  { entrypoint: string[]; cmd: string[]; command: string[] } {
  const entrypoint = entrypointFlag ?? image?.Entrypoint ?? [];
  const cmd = args.length > 0 ? args : entrypointFlag ? [] : image?.Cmd ?? [];
  return { entrypoint, cmd, command: [...entrypoint, ...cmd] };
}

/** `--entrypoint` takes a JSON array or a plain string (one argument, as podman). */
export function parseEntrypoint(s: string): string[] {
  if (s.trim().startsWith('[')) {
    try {
      const v = JSON.parse(s);
      if (Array.isArray(v)) return v.map(String);
    } catch { /* plain string */ }
  }
  return s === '' ? [] : [s];
}

/** Merge env lists: later entries override earlier ones by key, order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const e of l) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), e);
  }
  return [...m.values()];
}

/** -e NAME without a value takes it from the caller's environment; -e NAME* (glob) too. */
export function expandEnvFlags(flags: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (f.includes('=')) out.push(f);
    else if (f.endsWith('*')) {
      const p = f.slice(0, -1);
      for (const [k, v] of Object.entries(env)) if (k.startsWith(p) && v !== undefined) out.push(`${k}=${v}`);
    } else if (env[f] !== undefined) out.push(`${f}=${env[f]}`);
  }
  return out;
}

export function readEnvFile(path: string, env: NodeJS.ProcessEnv): string[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (err) {
    throw new TspodError('ENV_FILE', `open ${path}: no such file or directory`, { cause: err });
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').trimStart()).filter((l) => l && !l.startsWith('#'));
  return expandEnvFlags(lines, env);
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }

function readPasswd(rootfs: string): PasswdEntry[] {
  try {
    return readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const f = l.split(':');
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' };
    });
  } catch { return []; }
}

function readGroups(rootfs: string): { name: string; gid: number; members: string[] }[] {
  try {
    return readFileSync(join(rootfs, 'etc/group'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const f = l.split(':');
      return { name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
    });
  } catch { return []; }
}

/** Resolve "user[:group]" (names or numbers) against the image's /etc/passwd and /etc/group. */
export function resolveUser(rootfs: string, spec: string): { uid: number; gid: number; home: string; additionalGids: number[] } {
  const [u, g] = (spec || '0').split(':');
  const passwd = readPasswd(rootfs);
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new TspodError('NO_SUCH_USER', `unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  const groups = readGroups(rootfs);
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ge = groups.find((x) => x.name === g);
      if (!ge) throw new TspodError('NO_SUCH_GROUP', `unable to find group ${g}: no matching entries in group file`);
      gid = ge.gid;
    }
  }
  const additionalGids = entry ? groups.filter((x) => x.members.includes(entry!.name) && x.gid !== gid).map((x) => x.gid) : [];
  return { uid, gid, home: entry?.home ?? '/', additionalGids };
}

/** Current hard limits, so the spec never asks for more than this process may set. */
export function currentHardLimits(): Record<string, number> {
  const names: Record<string, string> = { 'Max open files': 'RLIMIT_NOFILE', 'Max processes': 'RLIMIT_NPROC' };
  const out: Record<string, number> = {};
  try {
    for (const l of readFileSync('/proc/self/limits', 'utf8').split('\n')) {
      for (const [label, key] of Object.entries(names)) {
        if (l.startsWith(label)) {
          const hard = l.slice(26).trim().split(/\s+/)[1];
          out[key] = hard === 'unlimited' ? Infinity : Number(hard);
        }
      }
    }
  } catch { /* no /proc: leave defaults out */ }
  return out;
}

const ULIMIT_NAMES: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC', rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

export function parseUlimit(s: string): Rlimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(s);
  const type = m && ULIMIT_NAMES[m[1]];
  if (!m || !type) throw new TspodError('INVALID_ULIMIT', `invalid ulimit "${s}": expected TYPE=SOFT[:HARD]`);
  const val = (x: string) => (Number(x) < 0 ? 2 ** 64 - 1 : Number(x));
  const soft = val(m[2]);
  const hard = m[3] !== undefined ? val(m[3]) : soft;
  if (soft > hard) throw new TspodError('INVALID_ULIMIT', `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { type, soft, hard };
}

/** podman's default rlimits (nofile 1048576, nproc 32768 when root), capped at what may be set here. */
export function defaultRlimits(explicit: Rlimit[]): Rlimit[] {
  const hard = currentHardLimits();
  const out = [...explicit];
  for (const [type, want] of [['RLIMIT_NOFILE', 1048576], ['RLIMIT_NPROC', 32768]] as const) {
    if (out.some((r) => r.type === type)) continue;
    const max = hard[type];
    if (max === undefined) continue;
    const v = Math.min(want, max);
    out.push({ type, soft: v, hard: v });
  }
  return out;
}

export function normalizeCap(c: string): string {
  const u = c.toUpperCase();
  return u === 'ALL' ? u : u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** The capabilities this process may hand on (its bounding set): "all" for --privileged means these. */
export function boundingCaps(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) {
      const mask = BigInt('0x' + m[1]);
      return ALL_CAPS.filter((_, i) => (mask >> BigInt(i)) & 1n);
    }
  } catch { /* no /proc */ }
  return [...ALL_CAPS];
}

export function capabilities(c: Pick<ContainerConfig, 'privileged' | 'capAdd' | 'capDrop'>): string[] {
  const all = boundingCaps();
  let caps = c.privileged ? all : DEFAULT_CAPS.filter((x) => all.includes(x));
  const add = c.capAdd.map(normalizeCap), drop = c.capDrop.map(normalizeCap);
  if (add.includes('ALL')) caps = [...all];
  for (const a of add) if (a !== 'ALL' && !caps.includes(a)) {
    if (!ALL_CAPS.includes(a)) throw new TspodError('INVALID_CAP', `unknown capability "${a}": invalid argument`);
    caps.push(a);
  }
  if (drop.includes('ALL')) caps = caps.filter((x) => add.includes(x));
  else caps = caps.filter((x) => !drop.includes(x));
  return caps;
}

export interface SpecInputs {
  config: ContainerConfig;
  rootfs: string;
  /** Files generated in the container's run dir. */
  hostsPath: string;
  hostnamePath: string;
  resolvPath: string;
  containerEnvPath: string;
  netnsPath?: string;
  /** Host paths already resolved for each config.mounts entry (volumes made into host dirs). */
  mountSources: (string | undefined)[];
  imageEnv: string[];
  cgroupV2: boolean;
  initPath?: string;
  /** --tz: the zoneinfo file bound on /etc/localtime. */
  localtime?: string;
  /** The container shares the host's network namespace. */
  hostNetwork?: boolean;
  /** linux.seccomp, already made for this container's capabilities (seccomp.ts). */
  seccomp?: unknown;
  /** The host dir bound at /dev/shm instead of a tmpfs of the runtime's (shm.ts). */
  shmPath?: string;
  /** Paths of the pid/ipc/uts namespaces to join (--pid container:X, ns:PATH; namespaces.ts). */
  namespacePaths?: Partial<Record<'pid' | 'ipc' | 'uts', string>>;
}

export function generateSpec(i: SpecInputs): Spec {
  const sec = parseSecurityOpts(i.config.securityOpt);
  const c = i.config;
  const user = resolveUser(i.rootfs, c.user);
  const caps = capabilities(c);
  // HOSTNAME only when neither the image nor the flags (-e, --env-host) set one, as podman
  const ownHostname = [...i.imageEnv, ...c.env].some((e) => e.startsWith('HOSTNAME='));
  // podman's own defaults, less what --unsetenv/--unsetenv-all drop
  const defaults = c.unsetEnvAll ? [] : [DEFAULT_PATH, 'TERM=xterm', 'container=podman'].filter((e) => !c.unsetEnv?.includes(e.slice(0, e.indexOf('='))));
  const env = mergeEnv(defaults, i.imageEnv, c.env, [`HOME=${user.home}`], ownHostname ? [] : [`HOSTNAME=${c.hostname}`]);
  // an explicit HOME from the image or flags wins over the passwd one
  const home = [...i.imageEnv, ...c.env].filter((e) => e.startsWith('HOME=')).pop();
  const finalEnv = home ? mergeEnv(env, [home]) : env;
  const hostNet = i.hostNetwork ?? c.network === 'host';
  const mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev', ...sec.procOpts] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k'] },
    // sysfs may only be mounted by the owner of the network namespace: rootless + host network binds it
    c.rootless && hostNet
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', c.privileged ? 'rw' : 'ro'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(c.rootless ? [] : ['gid=5'])] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=64000k'] }, // containers.conf shm_size 65536k, in decimal units as podman reads it
    { destination: '/etc/hosts', type: 'bind', source: i.hostsPath, options: ['bind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: i.hostnamePath, options: ['bind', 'rprivate'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: i.resolvPath, options: ['bind', 'rprivate'] },
    { destination: '/run/.containerenv', type: 'bind', source: i.containerEnvPath, options: ['bind', 'rprivate'] },
  ].filter((m) => m.source !== ''); // no hosts/resolv.conf made (--no-hosts, --network none): the image's
  if (!c.rootless) mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', c.privileged ? 'rw' : 'ro'] });
  if (i.initPath) mounts.push({ destination: '/run/podman-init', type: 'bind', source: i.initPath, options: ['bind', 'ro', 'rprivate'] });
  if (i.localtime) mounts.push({ destination: '/etc/localtime', type: 'bind', source: i.localtime, options: ['bind', 'ro', 'rprivate'] });
  c.mounts.forEach((m, n) => {
    if (m.type === 'tmpfs') {
      mounts.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: m.options.length ? m.options : ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
      return;
    }
    const opts = m.options.filter((o) => !['z', 'Z', 'U', 'O', 'copy', 'nocopy'].includes(o));
    if (!opts.some((o) => o === 'bind' || o === 'rbind')) opts.push('rbind');
    // podman mounts named volumes nosuid,nodev unless the options say otherwise
    if (m.type === 'volume') for (const [no, yes] of [['nosuid', 'suid'], ['nodev', 'dev']]) if (!opts.includes(no) && !opts.includes(yes)) opts.push(no);
    mounts.push({ destination: m.destination, type: 'bind', source: i.mountSources[n] ?? m.source, options: opts });
  });
  const explicit = c.ulimits.map(parseUlimit);
  const args = c.init ? ['/run/podman-init', '--', ...c.command] : c.command;
  const nonRoot = user.uid !== 0;
  const gids = additionalGids(i.rootfs, c, user);
  const spec: Spec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: c.tty,
      user: { uid: user.uid, gid: user.gid, umask: c.umask ?? 0o22, ...(gids.length ? { additionalGids: gids } : {}) },
      args,
      env: finalEnv,
      cwd: c.workingDir || '/',
      capabilities: { bounding: caps, effective: nonRoot ? [] : caps, permitted: nonRoot ? [] : caps },
      rlimits: defaultRlimits(explicit),
      ...(sec.noNewPrivileges ? { noNewPrivileges: true } : {}),
      ...(sec.apparmor && sec.apparmor !== 'unconfined' ? { apparmorProfile: sec.apparmor } : {}),
    },
    root: { path: i.rootfs, readonly: c.readOnly },
    hostname: hostNet ? undefined : c.hostname,
    mounts,
    annotations: {
      'io.container.manager': 'libpod',
      'io.podman.annotations.autoremove': c.autoRemove ? 'TRUE' : 'FALSE',
      'io.podman.annotations.init': c.init ? 'TRUE' : 'FALSE',
      'io.podman.annotations.privileged': c.privileged ? 'TRUE' : 'FALSE',
      'org.opencontainers.image.stopSignal': c.stopSignal,
      ...c.annotations,
    },
    linux: {
      namespaces: [
        { type: 'pid' },
        ...(hostNet ? [] : [{ type: 'network' as const, ...(i.netnsPath ? { path: i.netnsPath } : {}) }]),
        { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
      ],
      ...(c.privileged ? {} : {
        maskedPaths: [...MASKED.filter((p) => !unmasked(p, sec.unmask)), ...sec.mask],
        readonlyPaths: READONLY.filter((p) => !unmasked(p, sec.unmask)),
      }),
      ...(i.seccomp ? { seccomp: i.seccomp } : {}),
    },
  };
  if (!c.rootless || i.cgroupV2) {
    // rootless on cgroup v1 may not use cgroups at all: no path, no limits (podman warns about limits)
    spec.linux.cgroupsPath = c.rootless ? undefined : `/tspod_parent/tspod-${c.id}`;
    spec.linux.resources = {
      devices: [{ allow: c.privileged, access: 'rwm' }],
      ...(c.memory ? { memory: { limit: c.memory } } : {}),
      ...(c.cpus ? { cpu: { quota: Math.round(c.cpus * 100000), period: 100000 } } : {}),
    };
  }
  if (!hostNet) spec.linux.sysctl = { 'net.ipv4.ping_group_range': '0 0' };
  if (c.readOnly && c.readOnlyTmpfs !== false) {
    // --read-only: podman keeps /tmp, /var/tmp and /run writable (read-only-tmpfs=true)
    for (const d of ['/tmp', '/var/tmp', '/run']) if (!mounts.some((m) => m.destination === d)) {
      mounts.push({ destination: d, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev'] });
    }
  }
  applySpecFlags(spec, c, i.namespacePaths);
  if (i.shmPath) {
    const n = mounts.findIndex((m) => m.destination === '/dev/shm');
    const bind: Mount = { destination: '/dev/shm', type: 'bind', source: i.shmPath, options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev'] };
    if (n >= 0) mounts[n] = bind;
    else mounts.push(bind);
  }
  applyResources(spec, c, i.cgroupV2);
  applyUserns(spec, c.userns, { netnsPath: i.netnsPath, hostNet });
  return spec;
}
