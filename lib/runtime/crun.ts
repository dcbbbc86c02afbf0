// crun: same CLI as runc; it detects rootless mode itself.
import type { RuntimeFlavour } from './cli.ts';

export const crunFlavour: RuntimeFlavour = {
  name: 'crun',
  globalArgs: (c) => ['--root', c.stateDir],
};
