// crun: same CLI as runc; it detects rootless mode itself.
import type { RuntimeFlavour } from './cli.ts';
import { systemdUserCgroups } from './runtime.ts';

export const crunFlavour: RuntimeFlavour = {
  name: 'crun',
  globalArgs: (c) => ['--root', c.stateDir, ...(systemdUserCgroups(c.rootless) ? ['--systemd-cgroup'] : [])],
};
