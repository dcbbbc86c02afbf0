// runc: state under --root; in a user namespace on cgroup v1 it must be told it is rootless, or it
// fails creating cgroups it may not write (podman's runtime_flags do the same for runc).
import type { RuntimeFlavour } from './cli.ts';
import { cgroupV2, systemdUserCgroups } from './runtime.ts';

export const runcFlavour: RuntimeFlavour = {
  name: 'runc',
  globalArgs: (c) => ['--root', c.stateDir, ...(c.rootless && !cgroupV2() ? ['--rootless', 'true'] : []), ...(systemdUserCgroups(c.rootless) ? ['--systemd-cgroup'] : [])],
};
