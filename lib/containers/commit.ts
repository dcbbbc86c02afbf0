// commit and import: a new image in the store from a container's changes (its overlay upper dir) or from
// a tarball, with Dockerfile-style --change instructions applied to the config.
import type { Readable } from 'node:stream';
import { existsSync, mkdirSync } from 'node:fs';
import { TspodError } from '../errors.ts';
import type { ContainerConfig as RunConfig, ImageConfig } from '../oci/types.ts';
import { DOCKER_CONFIG, DOCKER_MANIFEST, OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_MANIFEST, layerCompression } from '../oci/media-types.ts';
import { layerMediaType } from '../copy/manifest.ts';
import { sha256Digest } from '../oci/digest.ts';

/** Apply one Dockerfile instruction (CMD, ENTRYPOINT, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD). */
export function applyChange(cfg: RunConfig, change: string): void {
  const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(change);
  if (!m) throw new TspodError('INVALID_CHANGE', `invalid change "${change}"`);
  const op = m[1].toUpperCase(), arg = m[2].trim();
  const list = (): string[] => {
    if (arg.startsWith('[')) {
      try { return (JSON.parse(arg) as unknown[]).map(String); } catch { /* shell form */ }
    }
    return ['/bin/sh', '-c', arg];
  };
  const pairs = (): [string, string][] => {
    if (!arg.includes('=')) {
      const sp = arg.indexOf(' ');
      return [[sp < 0 ? arg : arg.slice(0, sp), sp < 0 ? '' : arg.slice(sp + 1).trim()]];
    }
    return (arg.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), kv.slice(i + 1).replace(/^"(.*)"$/, '$1')] as [string, string];
    });
  };
  switch (op) {
    case 'CMD': cfg.Cmd = list(); break;
    case 'ENTRYPOINT': cfg.Entrypoint = list(); break;
    case 'ENV': {
      const env = cfg.Env ?? [];
      for (const [k, v] of pairs()) {
        const i = env.findIndex((e) => e.startsWith(`${k}=`));
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      cfg.Env = env;
      break;
    }
    case 'LABEL': cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(pairs()) }; break;
    case 'WORKDIR': cfg.WorkingDir = arg; break;
    case 'USER': cfg.User = arg; break;
    case 'EXPOSE': for (const p of arg.split(/\s+/)) (cfg.ExposedPorts ??= {})[p.includes('/') ? p : `${p}/tcp`] = {}; break;
    case 'VOLUME': for (const v of arg.startsWith('[') ? JSON.parse(arg) as string[] : arg.split(/\s+/)) (cfg.Volumes ??= {})[v] = {}; break;
    case 'STOPSIGNAL': cfg.StopSignal = arg; break;
    case 'ONBUILD': (cfg.OnBuild ??= []).push(arg); break;
    default: throw new TspodError('INVALID_CHANGE', `invalid change "${change}": ${op} is not a valid change instruction`);
  }
}

/** "myimg" -> "localhost/myimg:latest", as podman names committed images. */
export function commitName(name: string): string {
  const first = name.split('/')[0];
  let n = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? name : `localhost/${name}`;
  if (!/:[^/]+$/.test(n) && !n.includes('@')) n += ':latest';
  return n;
}

interface StoreLike {
  putLayerFromDirectory(dir: string, opts: { rootless?: boolean; idMap?: (uid: number, gid: number) => [number, number] }): Promise<{ diffID: string }>;
  putLayer(stream: Readable, opts: { what?: string }): Promise<{ diffID: string }>;
  layerInfo(diffID: string): { compressedDigest: string; compressedSize: number; compressedMediaType?: string } | undefined;
  addImage(o: { manifest: Buffer; manifestMediaType: string; config: Buffer; names: string[] }): Promise<{ id: string }>;
}

/** Manifest formats of commit/import --format, as podman's (buildah's "oci" and "docker"). */
export type ImageFormat = 'oci' | 'docker';

/** Check a --format value; podman's error for any other. */
export function imageFormat(f: string | undefined): ImageFormat {
  if (f === undefined || f === 'oci' || f === 'docker') return f ?? 'oci';
  throw new TspodError('USAGE', `unrecognized image format "${f}"`);
}

/** Write config + manifest (OCI or Docker schema2) for the layers and record the image; returns its ID. */
export async function storeImage(store: StoreLike, config: ImageConfig, names: string[], format: ImageFormat = 'oci', progress?: (line: string) => void): Promise<string> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifestType = format === 'docker' ? DOCKER_MANIFEST : OCI_MANIFEST;
  const layers = config.rootfs.diff_ids.map((d) => {
    const info = store.layerInfo(d);
    if (!info) throw new TspodError('STORAGE', `layer ${d} is not in the store`);
    // a blob whose digest is the diffID is the plain tar, whatever type it came with (docker-archive
    // sources call every layer gzip, as containers/image does)
    const stored = info.compressedDigest === d ? OCI_LAYER : info.compressedMediaType ?? OCI_LAYER_GZIP;
    return { mediaType: layerMediaType(manifestType, layerCompression(stored), stored), digest: info.compressedDigest, size: info.compressedSize };
  });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: manifestType,
    config: { mediaType: format === 'docker' ? DOCKER_CONFIG : OCI_CONFIG, digest: sha256Digest(configBytes), size: configBytes.length }, layers,
  }));
  // containers/image's copy lines, as podman commit prints them
  for (const l of layers) progress?.(`Copying blob ${l.digest}`);
  progress?.(`Copying config ${sha256Digest(configBytes)}`);
  progress?.('Writing manifest to image destination');
  const rec = await store.addImage({ manifest, manifestMediaType: manifestType, config: configBytes, names });
  progress?.('Storing signatures');
  return rec.id;
}

export interface CommitOptions {
  base: ImageConfig;
  upperDir: string;
  rootless: boolean;
  /** The container's own user namespace: its files are written with the ids they have inside (userns.ts). */
  userns?: import('./userns.ts').UsernsConfig;
  containerConfig: { env: string[]; cmd: string[]; entrypoint: string[]; workingDir: string; user: string; labels: Record<string, string>; stopSignal: string; createCommand: string[]; exposedPorts?: string[]; ports?: { containerPort: number; protocol: string }[] };
  changes: string[];
  author?: string;
  message?: string;
  name?: string;
  format?: ImageFormat;
  /** Gets podman's progress lines (Copying blob ..., Writing manifest ...), one at a time. */
  progress?: (line: string) => void;
}

export async function commitContainer(store: StoreLike, o: CommitOptions): Promise<string> {
  const format = imageFormat(o.format);
  // podman 4.3 refuses before committing anything: the OCI config has no place for a message
  if (o.message && format !== 'docker') throw new TspodError('USAGE', 'messages are only compatible with the docker image format (-f docker)');
  // a container never started has no upper dir yet: its layer is empty
  if (!existsSync(o.upperDir)) mkdirSync(o.upperDir, { recursive: true });
  const idMap = o.userns?.uidMappings.length ? (await import('./userns.ts')).containerIds(o.userns) : undefined;
  const layer = await store.putLayerFromDirectory(o.upperDir, { rootless: o.rootless, idMap });
  const cc = o.containerConfig;
  const cfg: RunConfig = {
    ...(o.base.config ?? {}),
    Env: cc.env, Cmd: cc.cmd.length ? cc.cmd : o.base.config?.Cmd, Entrypoint: cc.entrypoint.length ? cc.entrypoint : o.base.config?.Entrypoint,
    WorkingDir: cc.workingDir, User: cc.user || undefined, Labels: Object.keys(cc.labels).length ? cc.labels : undefined,
  };
  // the container's exposed and published ports stay exposed in the image, as podman commit
  const ports = [...(cc.exposedPorts ?? []), ...(cc.ports ?? []).map((p) => `${p.containerPort}/${p.protocol}`)];
  if (ports.length) {
    const all = { ...(cfg.ExposedPorts ?? {}), ...Object.fromEntries(ports.map((p) => [p, {}])) };
    cfg.ExposedPorts = Object.fromEntries(Object.keys(all).sort().map((k) => [k, {}]));
  }
  for (const ch of o.changes) applyChange(cfg, ch);
  const now = new Date().toISOString();
  const { comment: _baseComment, ...base } = o.base as ImageConfig & { comment?: string };
  const config: ImageConfig & { comment?: string } = {
    ...base,
    created: now,
    ...(o.author ? { author: o.author } : {}),
    ...(o.message ? { comment: o.message } : {}),
    config: cfg,
    rootfs: { type: 'layers', diff_ids: [...o.base.rootfs.diff_ids, layer.diffID] },
    history: [...(o.base.history ?? []), { created: now, created_by: cc.createCommand.join(' ') || 'tspod commit', ...(o.author ? { author: o.author } : {}), ...(o.message ? { comment: o.message } : {}) }],
  };
  return storeImage(store, config, o.name ? [commitName(o.name)] : [], format, o.progress);
}

export async function importTarball(store: StoreLike, input: Readable, o: { changes: string[]; message?: string; name?: string; arch?: string; os?: string }): Promise<string> {
  const layer = await store.putLayer(input, { what: 'importing tarball' });
  const cfg: RunConfig = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };
  for (const ch of o.changes) applyChange(cfg, ch);
  const now = new Date().toISOString();
  const config: ImageConfig = {
    created: now, architecture: o.arch ?? (process.arch === 'x64' ? 'amd64' : process.arch), os: o.os ?? 'linux', config: cfg,
    rootfs: { type: 'layers', diff_ids: [layer.diffID] },
    history: [{ created: now, created_by: '/bin/sh -c #(nop) ADD file in / ', ...(o.message ? { comment: o.message } : {}) }],
  };
  return storeImage(store, config, o.name ? [commitName(o.name)] : []);
}
