// Which containers use a volume or a network: read from each ${graphRoot}/containers/<id>/config.json
// (the container engine's layout). Named volumes appear as `volumes: string[]` or as mounts of type
// "volume"; networks as `network` (a mode or comma-separated names), `networks: string[]`, and the
// networks in state.json's netavark options.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ContainerRef {
  id: string;
  names: string[];
  volumes: string[];
  networks: string[];
}

export function listContainerRefs(graphRoot: string): ContainerRef[] {
  const dir = join(graphRoot, 'containers');
  let ids: string[] = [];
  try { ids = readdirSync(dir); } catch { return []; }
  const out: ContainerRef[] = [];
  for (const id of ids) {
    let c: Record<string, any>;
    try { c = JSON.parse(readFileSync(join(dir, id, 'config.json'), 'utf8')); } catch { continue; }
    const volumes = new Set<string>(Array.isArray(c.volumes) ? c.volumes.filter((v: unknown) => typeof v === 'string') : []);
    for (const m of Array.isArray(c.mounts) ? c.mounts : []) if (m?.type === 'volume' && typeof m.name === 'string') volumes.add(m.name);
    const networks = new Set<string>(Array.isArray(c.networks) ? c.networks.filter((v: unknown) => typeof v === 'string') : []);
    if (typeof c.network === 'string') for (const n of c.network.split(':')[0].split(',')) if (n) networks.add(n);
    // networks joined later (network connect) are only in the live state
    try {
      const st = JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8'));
      for (const n of Object.keys(st?.network?.netavark?.options?.networks ?? {})) networks.add(n);
    } catch { /* no state yet */ }
    out.push({ id: typeof c.id === 'string' ? c.id : id, names: Array.isArray(c.names) ? c.names : [], volumes: [...volumes], networks: [...networks] });
  }
  return out;
}

/** IDs of containers that use volume name. */
export function volumeUsers(graphRoot: string, name: string): string[] {
  return listContainerRefs(graphRoot).filter((c) => c.volumes.includes(name)).map((c) => c.id);
}
