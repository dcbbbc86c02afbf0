// containers.conf(5), merged like containers/common: $CONTAINERS_CONF alone when set, else
// /usr/share/containers/containers.conf (+ .d), /etc/containers/containers.conf (+ .d), and for rootless
// users $XDG_CONFIG_HOME/containers/containers.conf (+ .d); $CONTAINERS_CONF_OVERRIDE last.
// Later files override earlier ones key by key (tables merge, arrays and scalars replace).
// Field names stay as in the file (snake_case) so they match the man page.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigToml as parseToml } from './toml.ts';
import { TspodError } from '../errors.ts';
import { isRootless } from '../rootless/index.ts';
import { configHome } from './paths.ts';
import { filesKey } from './file-key.ts';

export interface ContainersSection {
  annotations: string[];
  base_hosts_file: string;
  cgroupns: string;
  cgroups: string;
  default_capabilities: string[];
  default_sysctls: string[];
  default_ulimits: string[];
  devices: string[];
  dns_options: string[];
  dns_searches: string[];
  dns_servers: string[];
  env: string[];
  env_host: boolean;
  http_proxy: boolean;
  init: boolean;
  init_path: string;
  ipcns: string;
  label: boolean;
  log_driver: string;
  log_size_max: number;
  log_tag: string;
  mounts: string[];
  netns: string;
  no_hosts: boolean;
  pidns: string;
  pids_limit: number;
  read_only: boolean;
  seccomp_profile: string;
  shm_size: string;
  tz: string;
  umask: string;
  userns: string;
  utsns: string;
  volumes: string[];
  [key: string]: unknown;
}

export interface EngineSection {
  cgroup_manager: string;
  compression_format: string;
  compression_level?: number;
  conmon_path: string[];
  env: string[];
  events_logger: string;
  helper_binaries_dir: string[];
  hooks_dir: string[];
  image_copy_tmp_dir: string;
  image_default_transport: string;
  image_parallel_copies: number;
  image_volume_mode: string;
  infra_image: string;
  no_pivot_root: boolean;
  pull_policy: string;
  retry?: number;
  retry_delay?: string;
  runtime: string;
  runtimes: Record<string, string[]>;
  static_dir: string;
  stop_timeout: number;
  tmp_dir: string;
  volume_path: string;
  [key: string]: unknown;
}

export interface NetworkSection {
  cni_plugin_dirs: string[];
  default_network: string;
  default_rootless_network_cmd: string;
  default_subnet: string;
  default_subnet_pools: { base: string; size: number }[];
  dns_bind_port: number;
  network_backend: string;
  network_config_dir: string;
  pasta_options: string[];
  [key: string]: unknown;
}

export interface ContainersConf {
  containers: ContainersSection;
  engine: EngineSection;
  network: NetworkSection;
  /** Every other table as parsed (secrets, machine, farms...). */
  raw: Record<string, unknown>;
  /** Files read, in order. */
  files: string[];
}

export const DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

function hasSystemd(): boolean {
  return existsSync('/run/systemd/system');
}

/** containers/common's built-in defaults (what podman uses with no containers.conf at all). */
export function defaultContainersConf(): ContainersConf {
  const rootless = isRootless();
  const systemd = hasSystemd();
  return {
    containers: {
      annotations: [], base_hosts_file: '', cgroupns: 'private', cgroups: 'enabled',
      default_capabilities: [...DEFAULT_CAPABILITIES], default_sysctls: ['net.ipv4.ping_group_range=0 0'], default_ulimits: [],
      devices: [], dns_options: [], dns_searches: [], dns_servers: [],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'], env_host: false, http_proxy: true,
      init: false, init_path: '/usr/libexec/podman/catatonit', ipcns: 'shareable', label: true, log_driver: 'k8s-file',
      log_size_max: -1, log_tag: '', mounts: [], netns: 'private', no_hosts: false, pidns: 'private', pids_limit: 2048,
      read_only: false, seccomp_profile: '', shm_size: '65536k', tz: '', umask: '0022', userns: 'host', utsns: 'private', volumes: [],
    },
    engine: {
      cgroup_manager: systemd && !rootless ? 'systemd' : 'cgroupfs',
      compression_format: 'gzip',
      conmon_path: ['/usr/libexec/podman/conmon', '/usr/local/libexec/podman/conmon', '/usr/local/lib/podman/conmon', '/usr/bin/conmon', '/usr/sbin/conmon', '/usr/local/bin/conmon', '/usr/local/sbin/conmon'],
      env: [], events_logger: systemd ? 'journald' : 'file',
      helper_binaries_dir: ['/usr/local/libexec/podman', '/usr/local/lib/podman', '/usr/libexec/podman', '/usr/lib/podman'],
      hooks_dir: ['/usr/share/containers/oci/hooks.d'], image_copy_tmp_dir: '/var/tmp', image_default_transport: 'docker://',
      image_parallel_copies: 0, image_volume_mode: 'bind', infra_image: '', no_pivot_root: false, pull_policy: 'missing',
      runtime: 'crun',
      runtimes: {
        crun: ['/usr/bin/crun', '/usr/sbin/crun', '/usr/local/bin/crun', '/usr/local/sbin/crun', '/sbin/crun', '/bin/crun', '/run/current-system/sw/bin/crun'],
        runc: ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc', '/sbin/runc', '/bin/runc', '/usr/lib/cri-o-runc/sbin/runc'],
      },
      static_dir: '', stop_timeout: 10, tmp_dir: '', volume_path: '',
    },
    network: {
      cni_plugin_dirs: ['/usr/local/libexec/cni', '/usr/libexec/cni', '/usr/local/lib/cni', '/usr/lib/cni', '/opt/cni/bin'],
      default_network: 'podman', default_rootless_network_cmd: 'slirp4netns', default_subnet: '10.88.0.0/16',
      default_subnet_pools: [], dns_bind_port: 53, network_backend: 'netavark', network_config_dir: '', pasta_options: [],
    },
    raw: {},
    files: [],
  };
}

function dropIns(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.conf')).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/** The containers.conf files that apply, in load order (only existing ones). */
export function containersConfFiles(): string[] {
  const out: string[] = [];
  const explicit = process.env.CONTAINERS_CONF;
  if (explicit) out.push(explicit);
  else {
    const rootless = isRootless();
    out.push('/usr/share/containers/containers.conf', ...dropIns('/usr/share/containers/containers.conf.d'));
    out.push('/etc/containers/containers.conf', ...dropIns('/etc/containers/containers.conf.d'));
    out.push(...dropIns(rootless ? '/etc/containers/containers.rootless.conf.d' : '/etc/containers/containers.rootful.conf.d'));
    if (rootless) {
      const uid = process.env._TSPOD_ROOTLESS_UID ?? String(process.getuid?.());
      out.push(...dropIns(join('/etc/containers/containers.rootless.conf.d', uid)));
      out.push(join(configHome(), 'containers/containers.conf'), ...dropIns(join(configHome(), 'containers/containers.conf.d')));
    }
  }
  if (process.env.CONTAINERS_CONF_OVERRIDE) out.push(process.env.CONTAINERS_CONF_OVERRIDE);
  return out.filter((f, i) => existsSync(f) || (i === 0 && f === explicit));
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (isTable(v) && isTable(into[k])) merge(into[k] as Record<string, unknown>, v);
    else into[k] = v;
  }
}

let cached: { key: string; conf: ContainersConf } | undefined;

/** The effective configuration. Throws TspodError CONTAINERS_CONF on unreadable or invalid files. */
export function loadContainersConf(): ContainersConf {
  const files = containersConfFiles();
  const key = `${filesKey(files)}|${isRootless()}`;
  if (cached?.key === key) return cached.conf;
  const conf = defaultContainersConf();
  const tables = conf as unknown as Record<string, unknown>;
  for (const f of files) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(readFileSync(f, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      const msg = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message.split('\n')[0];
      throw new TspodError('CONTAINERS_CONF', `reading containers.conf "${f}": ${msg}`, { cause: err });
    }
    for (const [section, value] of Object.entries(doc)) {
      if (!isTable(value)) throw new TspodError('CONTAINERS_CONF', `reading containers.conf "${f}": "${section}" must be a table`);
      if (section === 'containers' || section === 'engine' || section === 'network') merge(tables[section] as Record<string, unknown>, value);
      else {
        conf.raw[section] ??= {};
        merge(conf.raw[section] as Record<string, unknown>, value);
      }
    }
    conf.files.push(f);
  }
  cached = { key, conf };
  return conf;
}

/** Path of the configured OCI runtime binary: the first existing path of engine.runtimes[runtime]. */
export function runtimePath(conf: ContainersConf = loadContainersConf(), name = conf.engine.runtime): string | undefined {
  if (name.startsWith('/')) return name;
  return (conf.engine.runtimes[name] ?? []).find((p) => existsSync(p));
}
