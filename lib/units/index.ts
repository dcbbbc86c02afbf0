// Sizes as docker/go-units reads and writes them, which podman's flags and output follow.
// One place for them: --shm-size, --memory-*, --log-opt max-size, and the sizes ps, stats, system df
// and inspect print.

/** go-units RAMInBytes: 512, 1.5k, 64m, 1g, 2GiB (binary units); throws "invalid size: 'S'". */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  const n = m ? Number(m[1]) : NaN;
  if (!m || Number.isNaN(n)) throw new Error(`invalid size: '${s}'`);
  return Math.floor(n * 1024 ** ('kmgtp'.indexOf((m[2] ?? ' ').toLowerCase()) + 1));
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/**
 * go-units CustomSize with Go's %.Ng: HumanSize is base 1000 with kB/MB names ("2.008MB"),
 * BytesSize base 1024 with KiB/MiB ("23.54GiB"); podman also prints base 1024 with kB/MB names.
 */
export function goSize(bytes: number, o: { base?: 1000 | 1024; precision?: number; binaryNames?: boolean } = {}): string {
  const base = o.base ?? 1000, units = o.binaryNames ? BINARY : DECIMAL;
  let v = bytes, i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${Number(v.toPrecision(o.precision ?? 4))}${units[i]}`;
}

const NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration without a sign ("1m30s", "500ms", "0") in nanoseconds, or undefined when it is none. */
export function goDurationNs(s: string): number | undefined {
  if (s === '0') return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let ns = 0;
  for (const [, n, , u] of s.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ns += Number(n) * NS[u];
  return ns;
}
