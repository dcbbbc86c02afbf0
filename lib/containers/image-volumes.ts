// Mounts a container gets besides its -v/--mount/--tmpfs ones, as podman 4.3 adds them: the volumes
// of --volumes-from containers, and the image's VOLUME paths (--image-volume, containers.conf
// image_volume_mode): an anonymous volume each by default, filled from the image at first start.
import { posix } from 'node:path';
import { TspodError } from '../errors.ts';
import { loadContainersConf } from '../config/containers-conf.ts';
import { newContainerId } from './names.ts';
import type { ContainerConfig, MountSpec } from './types.ts';

const taken = (mounts: MountSpec[], dst: string): boolean => mounts.some((m) => posix.normalize(m.destination) === posix.normalize(dst));

/** --volumes-from CTR[:ro|rw|z]: its bind and volume mounts, the same volumes (never anonymous here: they are CTR's). */
export function volumesFrom(refs: string[] | undefined, mounts: MountSpec[], config: (ref: string) => ContainerConfig | undefined): MountSpec[] {
  const out: MountSpec[] = [];
  for (const spec of refs ?? []) {
    const [ref, opts = ''] = spec.split(':');
    const words = opts ? opts.split(',') : [];
    for (const w of words) if (!['ro', 'rw', 'z', 'Z'].includes(w)) throw new TspodError('USAGE', `invalid options ${opts}, can only specify 'ro', 'rw', and 'z'`);
    let cfg: ContainerConfig | undefined;
    try { cfg = config(ref); } catch { cfg = undefined; }
    if (!cfg) throw new TspodError('NO_SUCH_CONTAINER', `looking up container "${ref}" for volumes-from: no container with name or ID "${ref}" found: no such container`);
    const mode = words.find((w) => w === 'ro' || w === 'rw');
    for (const m of cfg.mounts) {
      if (m.type === 'tmpfs' || taken([...mounts, ...out], m.destination)) continue;
      const options = mode ? [...m.options.filter((o) => o !== 'ro' && o !== 'rw'), mode] : [...m.options];
      out.push({ ...m, anonymous: undefined, options });
    }
  }
  return out;
}

/** The image's VOLUMEs not mounted otherwise: bind (an anonymous volume), tmpfs, or ignore. */
export function imageVolumes(paths: string[], mode: string | undefined, mounts: MountSpec[]): MountSpec[] {
  const m = mode ?? defaultMode();
  if (!['bind', 'tmpfs', 'ignore'].includes(m)) throw new TspodError('USAGE', `invalid image volume mode "${m}" required value: bind, tmpfs, ignore`);
  if (m === 'ignore') return [];
  const out: MountSpec[] = [];
  for (const dst of paths) {
    if (taken([...mounts, ...out], dst)) continue;
    out.push(m === 'bind'
      ? { type: 'volume', name: newContainerId(), anonymous: true, destination: dst, options: [] }
      : { type: 'tmpfs', destination: dst, options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] });
  }
  return out;
}

function defaultMode(): string {
  try {
    return loadContainersConf().engine.image_volume_mode || 'bind';
  } catch {
    return 'bind'; // an unreadable containers.conf is reported where it matters more
  }
}
