// Helpers for the network verbs: list rows as podman's ListPrintReports, filters, users.
import { TspodError } from '../../lib/errors.ts';
import type { Network } from '../../lib/netns/networks.ts';

export interface NetworkRow extends Record<string, unknown> {
  Name: string;
  ID: string;
  Driver: string;
  NetworkInterface: string;
  Created: string;
  Subnets: unknown[];
  IPv6Enabled: boolean;
  Internal: boolean;
  DNSEnabled: boolean;
  Labels: string;
  Options: Record<string, string>;
  IPAMOptions: Record<string, string>;
}

export function networkRow(n: Network, noTrunc: boolean): NetworkRow {
  return {
    Name: n.name, ID: noTrunc ? n.id : n.id.slice(0, 12), Driver: n.driver, NetworkInterface: n.network_interface ?? '', Created: n.created,
    Subnets: n.subnets ?? [], IPv6Enabled: n.ipv6_enabled, Internal: n.internal, DNSEnabled: n.dns_enabled,
    Labels: Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','), Options: n.options ?? {}, IPAMOptions: n.ipam_options ?? {},
  };
}

/** Container ids that use network n (the default network also through the "bridge" mode). */
export async function networkUsers(graphRoot: string, n: Network, defaultName: string): Promise<string[]> {
  const { listContainerRefs } = await import('../../lib/volumes/users.ts');
  return listContainerRefs(graphRoot)
    .filter((c) => c.networks.includes(n.name) || c.networks.includes(n.id) || (n.name === defaultName && c.networks.includes('bridge')))
    .map((c) => c.id);
}

/** podman's network filters: name, id, driver, label, label!, dangling, until. Same key OR, keys AND. */
export async function filterNetworks(graphRoot: string, nets: Network[], filters: string[] = [], defaultName = 'podman'): Promise<Network[]> {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i <= 0) throw new TspodError('INVALID_FILTER', `invalid filter "${f}"`);
    const k = f.slice(0, i).toLowerCase();
    byKey.set(k, [...(byKey.get(k) ?? []), f.slice(i + 1)]);
  }
  if (byKey.size === 0) return nets;
  const { untilTime } = await import('../../lib/volumes/index.ts');
  const out: Network[] = [];
  for (const n of nets) {
    let ok = true;
    for (const [key, values] of byKey) {
      const labels = n.labels ?? {};
      const lab = (v: string) => { const [k, val] = v.split('=', 2); return k in labels && (val === undefined || labels[k] === val); };
      let any = false;
      for (const v of values) {
        switch (key) {
          case 'name': any ||= new RegExp(v).test(n.name); break;
          case 'id': any ||= n.id.startsWith(v); break;
          case 'driver': any ||= n.driver === v; break;
          case 'label': any ||= lab(v); break;
          case 'label!': any ||= !lab(v); break;
          case 'until': any ||= Date.parse(n.created) < untilTime(v); break;
          case 'dangling': {
            if (v !== 'true' && v !== 'false') throw new TspodError('INVALID_FILTER', `invalid dangling filter value "${v}"`);
            any ||= (v === 'true') === ((await networkUsers(graphRoot, n, defaultName)).length === 0);
            break;
          }
          default: throw new TspodError('INVALID_FILTER', `invalid filter "${key}"`);
        }
      }
      if (!any) { ok = false; break; }
    }
    if (ok) out.push(n);
  }
  return out;
}

export async function defaultNetworkName(): Promise<string> {
  try {
    const { loadContainersConf } = await import('../../lib/config/containers-conf.ts');
    return loadContainersConf().network.default_network || 'podman';
  } catch {
    return 'podman';
  }
}
