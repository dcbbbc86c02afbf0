// run/create flags about the container's process and its monitor, as podman 4.3 reads them:
// --http-proxy, --unsetenv(-all), --env-merge, --umask, --tz, --log-opt.
import { realpathSync } from 'node:fs';
import { TspodError } from '../errors.ts';
import { ramInBytes } from '../units/index.ts';

/** The host variables --http-proxy (on by default) copies in (containers/common config.ProxyEnv). */
const PROXY_ENV = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'ftp_proxy', 'FTP_PROXY', 'no_proxy', 'NO_PROXY'];

export function proxyEnv(host: NodeJS.ProcessEnv): string[] {
  return PROXY_ENV.filter((k) => host[k] !== undefined).map((k) => `${k}=${host[k]}`);
}

const key = (e: string): string => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);

/** --unsetenv/--unsetenv-all: the default and image variables that stay. */
export function withoutUnset(env: string[], unset: string[] | undefined, all: boolean | undefined): string[] {
  if (all) return [];
  if (!unset?.length) return env;
  const drop = new Set(unset);
  return env.filter((e) => !drop.has(key(e)));
}

/**
 * --env-merge NAME=VALUE: VALUE with ${VAR} taken from the image's variables, for a NAME the image
 * sets (podman 4.3 drops one it does not), e.g. `PATH=/opt/bin:${PATH}`.
 */
export function mergedEnv(imageEnv: string[], merges: string[] | undefined): string[] {
  if (!merges?.length) return [];
  const image = new Map(imageEnv.map((e) => [key(e), e.slice(key(e).length + 1)]));
  const out: string[] = [];
  for (const m of merges) {
    if (!m.includes('=')) throw new TspodError('USAGE', `invalid environment variable "${m}" for --env-merge: it must be NAME=VALUE`);
    const name = key(m);
    if (!image.has(name)) continue;
    out.push(`${name}=${m.slice(name.length + 1).replace(/\$\{(\w+)\}/g, (_, v: string) => image.get(v) ?? '')}`);
  }
  return out;
}

/** --publish-all: the exposed ports ("80/tcp", "8000-8001/udp") that no -p publishes, as -p specs. */
export function unpublished(exposed: string[], published: { containerPort: number; protocol: string }[]): string[] {
  return exposed.filter((e) => {
    const [port, proto = 'tcp'] = e.split('/');
    return !published.some((p) => p.containerPort === Number(port.split('-')[0]) && p.protocol === proto);
  });
}

/** --umask: octal, at most 0777. */
export function parseUmask(s: string): number {
  if (!/^[0-7]{1,4}$/.test(s) || Number.parseInt(s, 8) > 0o777) throw new TspodError('USAGE', `running container create option: invalid umask string ${s}: invalid argument`);
  return Number.parseInt(s, 8);
}

/** --tz: the zoneinfo file to mount on /etc/localtime ("local": the host's own), as podman. */
export function localtimeFile(tz: string): string {
  const file = tz === 'local' ? '/etc/localtime' : `/usr/share/zoneinfo/${tz}`;
  try {
    return realpathSync(file);
  } catch {
    throw new TspodError('USAGE', `running container create option: stat ${file}: no such file or directory`);
  }
}

export interface LogOptions { path?: string; maxSize?: number; tag?: string }

/** --log-opt path=, max-size= (go-units RAMInBytes), tag=; others are kept and ignored, as podman. */
export function parseLogOpts(opts: string[] | undefined): LogOptions {
  const out: LogOptions = {};
  for (const o of opts ?? []) {
    const eq = o.indexOf('=');
    const [k, v] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
    if (k === 'path') out.path = v;
    else if (k === 'tag') out.tag = v;
    else if (k === 'max-size') {
      try {
        out.maxSize = ramInBytes(v);
      } catch (err) {
        throw new TspodError('USAGE', (err as Error).message);
      }
    }
  }
  return out;
}
