// Shared by the container verbs: the engine for the global options, and the flag table of run/create/exec.
// run/create/exec take the container's command after the image, so options are parsed only up to the
// first positional (yargs' halt-at-non-option cannot do that inside a sub-command): the yargs builder
// lists the same flags for --help, and parseFlags() reads them.
import type { Argv } from 'yargs';
import type { GlobalOptions } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';

export async function openEngine(g: GlobalOptions): Promise<ContainerEngine> {
  const { ContainerEngine } = await import('../../lib/containers/engine.ts');
  return new ContainerEngine({
    root: g.root, runroot: g.runroot, storageDriver: g.storageDriver, runtime: g.runtime, conmon: g.conmon, logLevel: g.logLevel,
    storageOpt: g.storageOpt, runtimeFlag: g.runtimeFlag, networkCmdPath: g.networkCmdPath, eventsBackend: g.eventsBackend,
  });
}

export interface FlagSpec {
  name: string;
  alias?: string;
  type: 'boolean' | 'string' | 'number';
  multi?: boolean;
  describe: string;
  default?: unknown;
}

export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'add-host', type: 'string', multi: true, describe: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'annotation', type: 'string', multi: true, describe: 'Add annotations to container (key=value)' },
  { name: 'cap-add', type: 'string', multi: true, describe: 'Add capabilities to the container' },
  { name: 'cap-drop', type: 'string', multi: true, describe: 'Drop capabilities from the container' },
  { name: 'cidfile', type: 'string', describe: 'Write the container ID to the file' },
  { name: 'cpus', type: 'number', describe: 'Number of CPUs. The default is 0.000 which means no limit' },
  { name: 'device', type: 'string', multi: true, describe: 'Add a host device to the container' },
  { name: 'detach-keys', type: 'string', describe: 'Override the key sequence for detaching a container', default: 'ctrl-p,ctrl-q' },
  { name: 'dns', type: 'string', multi: true, describe: 'Set custom DNS servers' },
  { name: 'dns-option', type: 'string', multi: true, describe: 'Set custom DNS options' },
  { name: 'dns-search', type: 'string', multi: true, describe: 'Set custom DNS search domains' },
  { name: 'entrypoint', type: 'string', describe: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', alias: 'e', type: 'string', multi: true, describe: 'Set environment variables in container' },
  { name: 'env-file', type: 'string', multi: true, describe: 'Read in a file of environment variables' },
  { name: 'env-host', type: 'boolean', describe: 'Use all current host environment variables in container' },
  { name: 'expose', type: 'string', multi: true, describe: 'Expose a port or a range of ports' },
  { name: 'group-add', type: 'string', multi: true, describe: 'Add additional groups to the primary container process. \'keep-groups\' allows container processes to use supplementary groups.' },
  { name: 'hostname', alias: 'h', type: 'string', describe: 'Set container hostname' },
  { name: 'ip', type: 'string', describe: 'Specify a static IPv4 address for the container' },
  { name: 'init', type: 'boolean', describe: 'Run an init binary inside the container that forwards signals and reaps processes' },
  { name: 'interactive', alias: 'i', type: 'boolean', describe: 'Make STDIN available to the contained process' },
  { name: 'ipc', type: 'string', describe: 'IPC namespace to use (host, private, none, shareable)' },
  { name: 'label', alias: 'l', type: 'string', multi: true, describe: 'Set metadata on container' },
  { name: 'label-file', type: 'string', multi: true, describe: 'Read in a line delimited file of labels' },
  { name: 'log-driver', type: 'string', describe: 'Logging driver for the container (k8s-file, json-file, none)' },
  { name: 'memory', alias: 'm', type: 'string', describe: 'Memory limit (format: <number>[<unit>], where unit = b, k, m or g)' },
  { name: 'mount', type: 'string', multi: true, describe: 'Attach a filesystem mount to the container' },
  { name: 'name', type: 'string', describe: 'Assign a name to the container' },
  { name: 'network', alias: 'net', type: 'string', describe: 'Connect a container to a network (host, none, slirp4netns, pasta, bridge)' },
  { name: 'platform', type: 'string', describe: 'Specify the platform for selecting the image.  (Conflicts with --arch and --os)' },
  { name: 'network-alias', type: 'string', multi: true, describe: 'Add network-scoped alias for the container' },
  { name: 'no-hosts', type: 'boolean', describe: 'Do not create /etc/hosts within the container, instead use the version from the image' },
  { name: 'pid', type: 'string', describe: 'PID namespace to use (host, private)' },
  { name: 'privileged', type: 'boolean', describe: 'Give extended privileges to container' },
  { name: 'publish', alias: 'p', type: 'string', multi: true, describe: 'Publish a container\'s port, or a range of ports, to the host' },
  { name: 'pull', type: 'string', describe: 'Pull image policy (always, missing, never, newer)', default: 'missing' },
  { name: 'quiet', alias: 'q', type: 'boolean', describe: 'Suppress output information when pulling images' },
  { name: 'tls-verify', type: 'boolean', describe: 'Require HTTPS and verify certificates when contacting registries (when pulling)' },
  { name: 'creds', type: 'string', describe: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry (when pulling)' },
  { name: 'read-only', type: 'boolean', describe: 'Make containers root filesystem read-only' },
  { name: 'replace', type: 'boolean', describe: 'If a container with the same name exists, replace it' },
  { name: 'restart', type: 'string', describe: 'Restart policy to apply when a container exits (no, on-failure[:max], always, unless-stopped)' },
  { name: 'rm', type: 'boolean', describe: 'Remove container and any anonymous unnamed volume associated with the container after exit' },
  { name: 'security-opt', type: 'string', multi: true, describe: 'Security Options' },
  { name: 'shm-size', type: 'string', describe: 'Size of /dev/shm (format: <number>[<unit>], where unit = b, k, m or g)' },
  { name: 'stop-signal', type: 'string', describe: 'Signal to stop a container. Default is SIGTERM' },
  { name: 'stop-timeout', type: 'number', describe: 'Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL.' },
  { name: 'tmpfs', type: 'string', multi: true, describe: 'Mount a temporary filesystem (tmpfs) into a container' },
  { name: 'tty', alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY for container' },
  { name: 'ulimit', type: 'string', multi: true, describe: 'Ulimit options' },
  { name: 'user', alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'uts', type: 'string', describe: 'UTS namespace to use (host, private)' },
  { name: 'volume', alias: 'v', type: 'string', multi: true, describe: 'Bind mount a volume into the container' },
  { name: 'workdir', alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  // the process, its environment and its monitor (lib/containers/process-flags.ts)
  { name: 'authfile', type: 'string', describe: 'Path of the authentication file (when pulling)' },
  { name: 'conmon-pidfile', type: 'string', describe: 'Path to the file that will receive the PID of conmon' },
  { name: 'disable-content-trust', type: 'boolean', describe: 'This is a Docker specific option and is a NOOP' },
  { name: 'env-merge', type: 'string', multi: true, describe: 'Preprocess environment variables from image before injecting them into the container' },
  { name: 'http-proxy', type: 'boolean', describe: 'Set proxy environment variables in the container based on the host proxy vars', default: true },
  { name: 'init-path', type: 'string', describe: 'Path to the container-init binary' },
  { name: 'log-opt', type: 'string', multi: true, describe: 'Logging driver options (path, max-size, tag)' },
  { name: 'pidfile', type: 'string', describe: 'Write the container process ID to the file' },
  { name: 'pod', type: 'string', describe: 'Run container in an existing pod (pods are not supported by tspod)' },
  { name: 'pod-id-file', type: 'string', describe: 'Read the pod ID from the file (pods are not supported by tspod)' },
  { name: 'publish-all', alias: 'P', type: 'boolean', describe: 'Publish all exposed ports to random ports on the host interface' },
  { name: 'read-only-tmpfs', type: 'boolean', describe: 'When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp', default: true },
  { name: 'timeout', type: 'number', describe: 'Maximum length of time a container is allowed to run. The container will be killed automatically after the time expires.' },
  { name: 'tz', type: 'string', describe: 'Set timezone in container' },
  { name: 'umask', type: 'string', describe: 'Set umask in container', default: '0022' },
  { name: 'unsetenv', type: 'string', multi: true, describe: 'Unset environment default variables in container' },
  { name: 'unsetenv-all', type: 'boolean', describe: 'Unset all default environment variables in container' },
  // health checks (lib/containers/health.ts)
  { name: 'health-cmd', type: 'string', describe: 'set a healthcheck command for the container (\'none\' disables the existing healthcheck)' },
  { name: 'health-interval', type: 'string', describe: 'set an interval for the healthcheck (a value of disable results in no automatic timer setup)' },
  { name: 'health-on-failure', type: 'string', describe: 'action to take once the container turns unhealthy (none, kill, restart, stop)' },
  { name: 'health-retries', type: 'number', describe: 'the number of retries allowed before a healthcheck is considered to be unhealthy' },
  { name: 'health-start-period', type: 'string', describe: 'the initialization time needed for a container to bootstrap' },
  { name: 'health-timeout', type: 'string', describe: 'the maximum time allowed to complete the healthcheck before an interval is considered failed' },
  { name: 'no-healthcheck', type: 'boolean', describe: 'Disable healthchecks on container' },
  { name: 'image-volume', type: 'string', describe: 'Tells podman how to handle the builtin image volumes ("bind"|"tmpfs"|"ignore")' },
  { name: 'volumes-from', type: 'string', multi: true, describe: 'Mount volumes from the specified container(s)' },
  // resource limits and kernel settings (lib/containers/resources.ts)
  { name: 'blkio-weight', type: 'string', describe: 'Block IO weight (relative weight) accepts a weight value between 10 and 1000.' },
  { name: 'blkio-weight-device', type: 'string', multi: true, describe: 'Block IO weight (relative device weight, format: DEVICE_NAME:WEIGHT)' },
  { name: 'cgroup-conf', type: 'string', multi: true, describe: 'Configure cgroup v2 (key=value)' },
  { name: 'cgroup-parent', type: 'string', describe: 'Optional parent cgroup for the container' },
  { name: 'cgroupns', type: 'string', describe: 'cgroup namespace to use (host, private)' },
  { name: 'cgroups', type: 'string', describe: 'control container cgroup configuration ("enabled"|"disabled"|"no-conmon"|"split")' },
  { name: 'cpu-period', type: 'string', describe: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', type: 'string', describe: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-shares', alias: 'c', type: 'string', describe: 'CPU shares (relative weight)' },
  { name: 'cpuset-cpus', type: 'string', describe: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', describe: 'Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.' },
  { name: 'device-read-bps', type: 'string', multi: true, describe: 'Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)' },
  { name: 'device-read-iops', type: 'string', multi: true, describe: 'Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)' },
  { name: 'device-write-bps', type: 'string', multi: true, describe: 'Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)' },
  { name: 'device-write-iops', type: 'string', multi: true, describe: 'Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)' },
  { name: 'memory-reservation', type: 'string', describe: 'Memory soft limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))' },
  { name: 'memory-swap', type: 'string', describe: 'Swap limit equal to memory plus swap: \'-1\' to enable unlimited swap' },
  { name: 'memory-swappiness', type: 'string', describe: 'Tune container memory swappiness (0 to 100, or -1 for system default)' },
  { name: 'oom-kill-disable', type: 'boolean', describe: 'Disable OOM Killer' },
  { name: 'oom-score-adj', type: 'string', describe: 'Tune the host\'s OOM preferences (-1000 to 1000)' },
  { name: 'pids-limit', type: 'string', describe: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'sysctl', type: 'string', multi: true, describe: 'Sysctl options' },
  // user namespaces (lib/containers/userns.ts)
  { name: 'gidmap', type: 'string', multi: true, describe: 'GID map to use for the user namespace' },
  { name: 'subgidname', type: 'string', describe: 'Name of range listed in /etc/subgid for use in user namespace' },
  { name: 'subuidname', type: 'string', describe: 'Name of range listed in /etc/subuid for use in user namespace' },
  { name: 'uidmap', type: 'string', multi: true, describe: 'UID map to use for the user namespace' },
  { name: 'userns', type: 'string', describe: 'User namespace to use' },
  // users, dependencies, personality, seccomp policy, kept fds, device rules (lib/containers/run-extras.ts)
  { name: 'arch', type: 'string', describe: 'use ARCH instead of the architecture of the machine for choosing images' },
  { name: 'os', type: 'string', describe: 'use OS instead of the running OS for choosing images' },
  { name: 'variant', type: 'string', describe: 'Use VARIANT instead of the running architecture variant for choosing images' },
  { name: 'chrootdirs', type: 'string', multi: true, describe: 'Chroot directories inside the container' },
  { name: 'cpu-rt-period', type: 'string', describe: 'Limit the CPU real-time period in microseconds' },
  { name: 'cpu-rt-runtime', type: 'string', describe: 'Limit the CPU real-time runtime in microseconds' },
  { name: 'device-cgroup-rule', type: 'string', multi: true, describe: 'Add a rule to the cgroup allowed devices list' },
  { name: 'hostuser', type: 'string', multi: true, describe: 'Host user account to add to /etc/passwd within container' },
  { name: 'passwd', type: 'boolean', describe: 'add entries to /etc/passwd and /etc/group', default: true },
  { name: 'passwd-entry', type: 'string', describe: 'Entry to write to /etc/passwd' },
  { name: 'personality', type: 'string', describe: 'Configure execution domain using personality (e.g., LINUX/LINUX32)' },
  { name: 'requires', type: 'string', multi: true, describe: 'Add one or more requirement containers that must be started before this container will start' },
  { name: 'seccomp-policy', type: 'string', describe: 'Policy for selecting a seccomp profile (experimental)', default: 'default' },
  { name: 'secret', type: 'string', multi: true, describe: 'Add secret to container' },
  { name: 'mac-address', type: 'string', describe: 'Container MAC address (e.g. 92:d0:c6:0a:29:33)' },
  { name: 'rootfs', type: 'boolean', describe: 'The first argument is not an image but the rootfs to the exploded container' },
  { name: 'systemd', type: 'string', describe: 'Run container in systemd mode ("true"|"false"|"always")', default: 'true' },
  { name: 'sdnotify', type: 'string', describe: 'control sd-notify behavior ("container"|"conmon"|"ignore")', default: 'container' },
];

export const RUN_FLAGS: FlagSpec[] = [
  ...CREATE_FLAGS,
  { name: 'attach', alias: 'a', type: 'string', multi: true, describe: 'Attach to STDIN, STDOUT or STDERR' },
  { name: 'rmi', type: 'boolean', describe: 'Remove image unless used by other containers, implies --rm' },
  { name: 'detach', alias: 'd', type: 'boolean', describe: 'Run container in background and print container ID' },
  { name: 'sig-proxy', type: 'boolean', describe: 'Proxy received signals to the process', default: true },
  { name: 'preserve-fds', type: 'number', describe: 'Pass a number of additional file descriptors into the container' },
];

export const EXEC_FLAGS: FlagSpec[] = [
  { name: 'detach', alias: 'd', type: 'boolean', describe: 'Run the exec session in detached mode (backgrounded)' },
  { name: 'detach-keys', type: 'string', describe: 'Select the key sequence for detaching a container', default: 'ctrl-p,ctrl-q' },
  { name: 'env', alias: 'e', type: 'string', multi: true, describe: 'Set environment variables' },
  { name: 'interactive', alias: 'i', type: 'boolean', describe: 'Keep STDIN open even if not attached' },
  { name: 'privileged', type: 'boolean', describe: 'Give the process extended Linux capabilities inside the container' },
  { name: 'tty', alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' },
  { name: 'user', alias: 'u', type: 'string', describe: 'Sets the username or UID used and optionally the groupname or GID for the specified command' },
  { name: 'workdir', alias: 'w', type: 'string', describe: 'Working directory inside the container' },
  { name: 'latest', alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' },
];

/** Register the flags with yargs for --help; parsing stops at the first positional. */
export function addFlags(y: Argv, flags: FlagSpec[]): Argv {
  y = y.parserConfiguration({ 'halt-at-non-option': true, 'populate--': true });
  for (const f of flags) {
    y = y.option(f.name, { alias: f.alias, type: f.type, array: f.multi, describe: f.describe, default: f.default as any });
  }
  return y;
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

/**
 * Parse args (everything after the verb) with the flag table, stopping at the first positional.
 * Returns the options (camelCase keys) and the positionals that follow.
 */
export function parseFlags(args: string[], flags: FlagSpec[]): { opts: Record<string, any>; rest: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const f of flags) {
    byName.set(f.name, f);
    if (f.alias) byName.set(f.alias, f);
  }
  const opts: Record<string, any> = {};
  for (const f of flags) if (f.default !== undefined) opts[camel(f.name)] = f.default;
  const set = (f: FlagSpec, v: string | boolean) => {
    const k = camel(f.name);
    let val: unknown = v;
    if (f.type === 'number') {
      val = Number(v);
      if (Number.isNaN(val)) throw new TspodError('USAGE', `invalid argument "${v}" for "--${f.name}" flag: parse error`);
    }
    if (f.type === 'boolean' && typeof v === 'string') {
      if (!['true', 'false'].includes(v)) throw new TspodError('USAGE', `invalid argument "${v}" for "--${f.name}" flag: parse error`);
      val = v === 'true';
    }
    if (f.multi) (opts[k] ??= []).push(val);
    else opts[k] = val;
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byName.get(name);
      if (!f || f.alias === name && name.length === 1) throw new TspodError('USAGE', `unknown flag: --${name}`);
      if (eq >= 0) set(f, a.slice(eq + 1));
      else if (f.type === 'boolean') set(f, true);
      else {
        if (i + 1 >= args.length) throw new TspodError('USAGE', `flag needs an argument: --${name}`);
        set(f, args[++i]);
      }
      continue;
    }
    // short flags, possibly combined: -it, -e FOO, -eFOO
    for (let j = 1; j < a.length; j++) {
      const f = byName.get(a[j]);
      if (!f) throw new TspodError('USAGE', `unknown shorthand flag: '${a[j]}' in ${a}`);
      if (f.type === 'boolean') {
        if (a[j + 1] === '=') { set(f, a.slice(j + 2)); break; }
        set(f, true);
        continue;
      }
      const inline = a.slice(j + 1).replace(/^=/, '');
      if (inline) set(f, inline);
      else {
        if (i + 1 >= args.length) throw new TspodError('USAGE', `flag needs an argument: '${a[j]}' in ${a}`);
        set(f, args[++i]);
      }
      break;
    }
  }
  return { opts, rest: args.slice(i) };
}

/** The args after the verb, from yargs' "--" list (which holds the whole command line after the halt). */
export function argsAfterVerb(argv: Record<string, unknown>, verb: string): string[] {
  const all = ((argv['--'] as string[] | undefined) ?? []).map(String);
  const i = all.indexOf(verb);
  return i >= 0 ? all.slice(i + 1) : all;
}

/** podman's "Up 2 seconds" / "3 minutes ago" wording (go-units HumanDuration). */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.round(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.round(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.round(h / 24 / 30)} months`;
  return `${Math.round(h / 24 / 365)} years`;
}
