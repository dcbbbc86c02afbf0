import type { Argv } from 'yargs';

/** Root-level options, as podman's (cmd/podman/root.go). */
export function globalOptions(y: Argv): Argv {
  return y
    .option('root', { type: 'string', describe: 'Path to the root directory in which data, including images, is stored' })
    .option('runroot', { type: 'string', describe: 'Path to the runtime state directory' })
    .option('storage-driver', { type: 'string', describe: 'Select which storage driver is used to manage storage of images and containers' })
    .option('log-level', { type: 'string', default: 'warn', describe: 'Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)' })
    .option('runtime', { type: 'string', describe: 'Path to the OCI-compatible binary used to run containers' })
    .option('conmon', { type: 'string', describe: 'Path of the conmon binary' })
    .option('cgroup-manager', { type: 'string', describe: 'Cgroup manager to use ("cgroupfs"|"systemd")' })
    .option('tmpdir', { type: 'string', describe: 'Path to the tmp directory for libpod state content' });
}
