// Test images built locally from Debian's busybox-static, with no network: layers written with
// tar-stream, compressed with zlib, stored as OCI image layouts. Everything is deterministic (fixed
// mtimes, sorted entries), so the same input gives the same digests and the layouts can be cached.
//
//   const layers = [await buildLayer(busyboxEntries())];
//   const img = buildImage({ layers, config: { Cmd: ['sh'] } });
//   writeOciLayout('/tmp/l', [{ tag: 'latest', image: img }]);   // skopeo copy oci:/tmp/l:latest ...
//
// FIXTURE_IMAGES lists what globalSetup() pushes to the fixture registry; validateImage() checks an
// image's digests, sizes and diff IDs (after ggcr's pkg/v1/validate).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import * as OCI from '../../lib/oci/media-types.ts';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig, Index, Manifest, Platform } from '../../lib/oci/types.ts';
import { goArch } from '../../lib/oci/platform.ts';

export const BUSYBOX_BIN = process.env.TSPOD_TEST_BUSYBOX ?? '/bin/busybox';
/** Every entry's mtime: fixed so that layers are reproducible. */
export const FIXTURE_MTIME = new Date('2024-01-01T00:00:00Z');
const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface TarEntry {
  /** Path without a leading slash ("bin/sh", "etc/"). */
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: Buffer | string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Symlink target, or the path (within the layer) a hardlink points at. */
  linkname?: string;
  /** Extended attributes, written as PAX SCHILY.xattr.<name> records (ASCII values). */
  xattrs?: Record<string, string>;
}

export interface Blob { digest: string; size: number; bytes: Buffer }

export interface Layer extends Blob {
  mediaType: string;
  /** sha256 of the uncompressed tar. */
  diffID: string;
  /** The uncompressed tar itself. */
  tar: Buffer;
}

/** Write entries into an uncompressed tar, in the order given. */
export async function tarEntries(entries: TarEntry[]): Promise<Buffer> {
  const { pack: createPack } = await import('tar-stream');
  const pack = createPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject); });
  for (const e of entries) {
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const content = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      uname: e.uid ? '' : 'root',
      gname: e.gid ? '' : 'root',
      mtime: FIXTURE_MTIME,
      linkname: e.linkname,
      size: type === 'file' ? content.length : 0,
      pax: e.xattrs ? Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [`SCHILY.xattr.${k}`, v])) : undefined,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, content, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A layer blob from entries: gzip (default) or an uncompressed tar. */
export async function buildLayer(entries: TarEntry[], opts: { compression?: 'gzip' | 'none'; format?: 'oci' | 'docker' } = {}): Promise<Layer> {
  const tar = await tarEntries(entries);
  return layerFromTar(tar, opts);
}

export function layerFromTar(tar: Buffer, opts: { compression?: 'gzip' | 'none'; format?: 'oci' | 'docker' } = {}): Layer {
  const gzip = (opts.compression ?? 'gzip') === 'gzip';
  const docker = opts.format === 'docker';
  const bytes = gzip ? gzipSync(tar, { level: 6 }) : tar;
  const mediaType = docker ? (gzip ? OCI.DOCKER_LAYER_GZIP : DOCKER_LAYER_TAR) : gzip ? OCI.OCI_LAYER_GZIP : OCI.OCI_LAYER;
  return { bytes, digest: sha256(bytes), size: bytes.length, mediaType, diffID: sha256(tar), tar };
}

/** The same layer with the other format's media type (the bytes stay identical). */
export function asFormat(layer: Layer, format: 'oci' | 'docker'): Layer {
  const gzip = layer.mediaType.endsWith('gzip');
  const mediaType = format === 'docker' ? (gzip ? OCI.DOCKER_LAYER_GZIP : DOCKER_LAYER_TAR) : gzip ? OCI.OCI_LAYER_GZIP : OCI.OCI_LAYER;
  return { ...layer, mediaType };
}

/** A layer of random incompressible content (for big-image tests and benchmarks). */
export async function randomLayer(size: number, opts: { files?: number; compression?: 'gzip' | 'none' } = {}): Promise<Layer> {
  const files = Math.max(1, opts.files ?? 1);
  const per = Math.floor(size / files);
  const dir = `random-${randomBytes(4).toString('hex')}/`;
  const entries: TarEntry[] = [{ name: dir }];
  for (let i = 0; i < files; i++) entries.push({ name: `${dir}file${i}`, content: randomBytes(i === files - 1 ? size - per * (files - 1) : per) });
  // Random bytes do not compress: level 1 keeps building fast.
  const tar = await tarEntries(entries);
  if ((opts.compression ?? 'gzip') === 'none') return layerFromTar(tar, { compression: 'none' });
  const bytes = gzipSync(tar, { level: 1 });
  return { bytes, digest: sha256(bytes), size: bytes.length, mediaType: OCI.OCI_LAYER_GZIP, diffID: sha256(tar), tar };
}

export interface BuiltImage {
  manifest: Blob & { mediaType: string };
  config: Blob & { mediaType: string };
  layers: Layer[];
  platform: Platform;
}

export interface BuiltIndex {
  index: Blob & { mediaType: string };
  images: BuiltImage[];
}

export interface ImageSpec {
  layers: Layer[];
  config?: ContainerConfig;
  format?: 'oci' | 'docker';
  architecture?: string;
  variant?: string;
  /** One created_by per layer (default "layer N"); extra entries are added as empty layers. */
  history?: HistoryEntry[];
  annotations?: Record<string, string>;
}

const canonical = (v: unknown) => Buffer.from(JSON.stringify(v));

export function buildImage(spec: ImageSpec): BuiltImage {
  const docker = spec.format === 'docker';
  const layers = spec.layers.map((l) => asFormat(l, docker ? 'docker' : 'oci'));
  const architecture = spec.architecture ?? goArch();
  const platform: Platform = { architecture, os: 'linux', ...(spec.variant ? { variant: spec.variant } : {}) };
  const created = FIXTURE_MTIME.toISOString();
  const history = spec.history ?? layers.map((_, i) => ({ created, created_by: `tspod test fixture: layer ${i + 1}` }));
  const config: ImageConfig = {
    created,
    architecture,
    os: 'linux',
    ...(spec.variant ? { variant: spec.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...spec.config },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    history,
  };
  const configBytes = canonical(config);
  const configMediaType = docker ? OCI.DOCKER_CONFIG : OCI.OCI_CONFIG;
  const manifestMediaType = docker ? OCI.DOCKER_MANIFEST : OCI.OCI_MANIFEST;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: { mediaType: configMediaType, digest: sha256(configBytes), size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(spec.annotations && !docker ? { annotations: spec.annotations } : {}),
  };
  const manifestBytes = canonical(manifest);
  return {
    manifest: { bytes: manifestBytes, digest: sha256(manifestBytes), size: manifestBytes.length, mediaType: manifestMediaType },
    config: { bytes: configBytes, digest: sha256(configBytes), size: configBytes.length, mediaType: configMediaType },
    layers,
    platform,
  };
}

export function buildIndex(images: BuiltImage[], format: 'oci' | 'docker' = 'oci'): BuiltIndex {
  const mediaType = format === 'docker' ? OCI.DOCKER_MANIFEST_LIST : OCI.OCI_INDEX;
  const index: Index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map((i) => ({ mediaType: i.manifest.mediaType, digest: i.manifest.digest, size: i.manifest.size, platform: i.platform })),
  };
  const bytes = canonical(index);
  return { index: { bytes, digest: sha256(bytes), size: bytes.length, mediaType }, images };
}

export type AnyImage = BuiltImage | BuiltIndex;
const isIndexImage = (i: AnyImage): i is BuiltIndex => 'index' in i;
export const topDescriptor = (i: AnyImage): Descriptor => {
  const b = isIndexImage(i) ? i.index : i.manifest;
  return { mediaType: b.mediaType, digest: b.digest, size: b.size };
};

/** Write (or add to) an OCI image layout: blobs, oci-layout, index.json with ref.name annotations. */
export function writeOciLayout(dir: string, entries: { tag: string; image: AnyImage }[]): void {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true, mode: 0o755 });
  const put = (b: Blob) => {
    const p = join(blobs, b.digest.slice(7));
    if (!existsSync(p)) writeFileSync(p, b.bytes, { mode: 0o644 });
  };
  const putImage = (img: BuiltImage) => { put(img.manifest); put(img.config); img.layers.forEach(put); };
  const indexFile = join(dir, 'index.json');
  const index: Index = existsSync(indexFile) ? JSON.parse(readFileSync(indexFile, 'utf8')) : { schemaVersion: 2, manifests: [] };
  for (const { tag, image } of entries) {
    if (isIndexImage(image)) { image.images.forEach(putImage); put(image.index); } else putImage(image);
    index.manifests = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
    index.manifests.push({ ...topDescriptor(image), annotations: { 'org.opencontainers.image.ref.name': tag } });
  }
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}', { mode: 0o644 });
  writeFileSync(indexFile, JSON.stringify({ ...index, mediaType: OCI.OCI_INDEX }), { mode: 0o644 });
}

/** An image of `layers` random layers of `size` bytes each (ggcr random.Image), OCI or schema2. */
export async function randomImage(size: number, layers: number, opts: { format?: 'oci' | 'docker'; files?: number } = {}): Promise<BuiltImage> {
  const ls: Layer[] = [];
  for (let i = 0; i < layers; i++) ls.push(await randomLayer(size, { files: opts.files }));
  return buildImage({ layers: ls, format: opts.format, config: { Labels: { 'org.tspod.test': 'random' } } });
}

// ---- the fixture images ----

/** Applets linked in /bin of the busybox image: all that this busybox has. */
export function busyboxApplets(): string[] {
  return execFileSync(BUSYBOX_BIN, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
}

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
export const GROUP = 'root:x:0:\nnobody:x:65534:\n';

/** The root file system of the busybox image: /bin/busybox and a symlink per applet. */
export function busyboxEntries(): TarEntry[] {
  const entries: TarEntry[] = [
    { name: 'bin/' },
    { name: 'bin/busybox', content: readFileSync(BUSYBOX_BIN), mode: 0o755 },
  ];
  for (const a of busyboxApplets().sort()) entries.push({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' });
  entries.push(
    { name: 'dev/' },
    { name: 'etc/' },
    { name: 'etc/group', content: GROUP },
    { name: 'etc/passwd', content: PASSWD },
    { name: 'home/' },
    { name: 'proc/' },
    { name: 'root/', mode: 0o700 },
    { name: 'sys/' },
    { name: 'tmp/', mode: 0o1777 },
    { name: 'usr/' },
    { name: 'usr/bin/' },
    { name: 'usr/sbin/' },
    { name: 'var/' },
    { name: 'var/tmp/', mode: 0o1777 },
  );
  return entries;
}

/**
 * Upper layers of the "layered" image. After applying base + these, the tree under /data is
 * LAYERED_EXPECTED_DATA.
 */
export function layeredEntries(): TarEntry[][] {
  const l2: TarEntry[] = [
    { name: 'data/' },
    { name: 'data/file-a', content: 'a\n' },
    { name: 'data/remove-me', content: 'gone\n' },
    { name: 'data/replaced', content: 'v1\n' },
    { name: 'data/opaque/' },
    { name: 'data/opaque/old', content: 'old\n' },
    { name: 'data/opaque/sub/' },
    { name: 'data/opaque/sub/older', content: 'older\n' },
    { name: 'data/owned-by-1000', content: 'user\n', uid: 1000, gid: 1000, mode: 0o640 },
    { name: 'data/userdir/', uid: 1000, gid: 1000, mode: 0o750 },
    { name: 'data/xattr-file', content: 'xattr\n', xattrs: { 'user.tspod.test': 'hello' } },
    { name: 'etc/remove-dir/' },
    { name: 'etc/remove-dir/inner', content: 'x\n' },
  ];
  const l3: TarEntry[] = [
    { name: 'data/' },
    { name: 'data/.wh.remove-me' },
    { name: 'data/exec.sh', content: '#!/bin/sh\necho layered\n', mode: 0o755 },
    { name: 'data/hardlink-to-b', type: 'link', linkname: 'data/file-b' },
    { name: 'data/file-b', content: 'b\n' },
    { name: 'data/link-to-a', type: 'symlink', linkname: 'file-a' },
    { name: 'data/opaque/' },
    { name: 'data/opaque/.wh..wh..opq' },
    { name: 'data/opaque/new', content: 'new\n' },
    { name: 'data/replaced', content: 'v2\n' },
    { name: 'etc/' },
    { name: 'etc/.wh.remove-dir' },
  ];
  // tar order matters for the hardlink: its target must come first.
  const l3sorted = [...l3.filter((e) => e.name !== 'data/hardlink-to-b')];
  l3sorted.splice(l3sorted.findIndex((e) => e.name === 'data/file-b') + 1, 0, l3.find((e) => e.name === 'data/hardlink-to-b')!);
  return [l2, l3sorted];
}

/** What /data holds in the "layered" image (type, content or target, uid). */
export const LAYERED_EXPECTED_DATA: Record<string, { type: 'file' | 'dir' | 'symlink'; content?: string; target?: string; uid?: number; mode?: number; xattr?: Record<string, string>; hardlinkOf?: string }> = {
  'data/exec.sh': { type: 'file', content: '#!/bin/sh\necho layered\n', mode: 0o755 },
  'data/file-a': { type: 'file', content: 'a\n' },
  'data/file-b': { type: 'file', content: 'b\n' },
  'data/hardlink-to-b': { type: 'file', content: 'b\n', hardlinkOf: 'data/file-b' },
  'data/link-to-a': { type: 'symlink', target: 'file-a' },
  'data/opaque': { type: 'dir' },
  'data/opaque/new': { type: 'file', content: 'new\n' },
  'data/owned-by-1000': { type: 'file', content: 'user\n', uid: 1000, mode: 0o640 },
  'data/replaced': { type: 'file', content: 'v2\n' },
  'data/userdir': { type: 'dir', uid: 1000, mode: 0o750 },
  'data/xattr-file': { type: 'file', content: 'xattr\n', xattr: { 'user.tspod.test': 'hello' } },
};
/** Paths that must not exist in the "layered" image (whiteouts and the opaque directory hid them). */
export const LAYERED_ABSENT = ['data/remove-me', 'data/opaque/old', 'data/opaque/sub', 'etc/remove-dir'];

/**
 * security.capability of a file with cap_net_bind_service in its permitted and effective sets
 * (VFS_CAP_REVISION_2, as setcap writes it). Every byte is < 0x80, so tar-stream's string PAX
 * records carry it unchanged.
 */
export const CAP_NET_BIND_SERVICE = Buffer.from([1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The upper layer of the "caps" image: /usr/bin/cap-file with a file capability. */
export function capsEntries(): TarEntry[] {
  return [
    { name: 'usr/' },
    { name: 'usr/bin/' },
    { name: 'usr/bin/cap-file', content: '#!/bin/sh\necho caps\n', mode: 0o755, xattrs: { 'security.capability': CAP_NET_BIND_SERVICE.toString('latin1') } },
  ];
}

export interface FixtureImage {
  /** Repository in the fixture registry and directory under TSPOD_TEST_OCI_DIR. */
  name: string;
  tag: string;
  /** Media type of the top-level manifest (or index). */
  mediaType: string;
  digest: string;
  /** Push with skopeo --all (an index). */
  index: boolean;
  /** Where it is on disk, as a skopeo/tspod source: "oci:DIR/NAME:TAG" or "dir:DIR/dir/NAME_TAG". */
  source: string;
}

export interface Fixtures {
  busyboxLayer: Layer;
  images: { name: string; tag: string; image: AnyImage }[];
}

/** Build every fixture image in memory. */
export async function buildFixtures(): Promise<Fixtures> {
  const base = await buildLayer(busyboxEntries());
  const baseTar = layerFromTar(base.tar, { compression: 'none' });
  const [e2, e3] = layeredEntries();
  const l2 = await buildLayer(e2);
  const l3 = await buildLayer(e3);
  const busybox = (format: 'oci' | 'docker') => buildImage({ layers: [base], format, config: { Labels: { 'org.tspod.test': 'busybox' } } });
  const layered = (format: 'oci' | 'docker') => buildImage({
    layers: [base, l2, l3],
    format,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FOO=bar'], Cmd: ['sh'], WorkingDir: '/data',
      Labels: { 'org.tspod.test': 'layered' }, ExposedPorts: { '8080/tcp': {} } },
    history: [
      { created: FIXTURE_MTIME.toISOString(), created_by: '/bin/sh -c #(nop) ADD busybox /' },
      { created: FIXTURE_MTIME.toISOString(), created_by: '/bin/sh -c #(nop) ENV FOO=bar', empty_layer: true },
      { created: FIXTURE_MTIME.toISOString(), created_by: '/bin/sh -c #(nop) ADD data /data' },
      { created: FIXTURE_MTIME.toISOString(), created_by: '/bin/sh -c rm /data/remove-me; replace /data/opaque' },
    ],
  });
  // multiarch: the host's platform runs busybox; the other one only carries a marker file.
  const host = goArch();
  const other = host === 'arm64' ? 'amd64' : 'arm64';
  const marker = async (arch: string) => buildLayer([{ name: 'etc/' }, { name: 'etc/arch', content: `${arch}\n` }]);
  const multiarch = async (format: 'oci' | 'docker') => {
    const hostImg = buildImage({ layers: [base, await marker(host)], format, architecture: host, variant: host === 'arm64' ? 'v8' : undefined,
      config: { Labels: { 'org.tspod.test': `multiarch-${host}` } } });
    const otherImg = buildImage({ layers: [await marker(other)], format, architecture: other, variant: other === 'arm64' ? 'v8' : undefined,
      config: { Labels: { 'org.tspod.test': `multiarch-${other}` } } });
    const list = host === 'amd64' ? [hostImg, otherImg] : [otherImg, hostImg];
    return buildIndex(list, format);
  };
  const uncompressed = buildImage({ layers: [baseTar], config: { Labels: { 'org.tspod.test': 'uncompressed' } } });
  const caps = buildImage({ layers: [base, await buildLayer(capsEntries())], config: { Labels: { 'org.tspod.test': 'caps' } } });
  return {
    busyboxLayer: base,
    images: [
      { name: 'busybox', tag: 'latest', image: busybox('oci') },
      { name: 'busybox', tag: 'v2s2', image: busybox('docker') },
      { name: 'layered', tag: 'latest', image: layered('oci') },
      { name: 'layered', tag: 'v2s2', image: layered('docker') },
      { name: 'multiarch', tag: 'latest', image: await multiarch('oci') },
      { name: 'multiarch', tag: 'v2s2', image: await multiarch('docker') },
      { name: 'uncompressed', tag: 'latest', image: uncompressed },
      { name: 'caps', tag: 'latest', image: caps },
    ],
  };
}

/**
 * Write (or add to) a dir: transport directory (containers/image directory format): manifest.json,
 * one file per blob named by its hex digest, list instances as <hex>.manifest.json. Unlike an OCI
 * layout, skopeo and podman read Docker schema2 media types from it unchanged.
 */
export function writeDirImage(dir: string, image: AnyImage): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const put = (name: string, bytes: Buffer) => writeFileSync(join(dir, name), bytes, { mode: 0o644 });
  const putImage = (img: BuiltImage, top: boolean) => {
    put(top ? 'manifest.json' : `${img.manifest.digest.slice(7)}.manifest.json`, img.manifest.bytes);
    put(img.config.digest.slice(7), img.config.bytes);
    for (const l of img.layers) put(l.digest.slice(7), l.bytes);
  };
  if (isIndexImage(image)) {
    put('manifest.json', image.index.bytes);
    image.images.forEach((i) => putImage(i, false));
  } else putImage(image, true);
  put('version', Buffer.from('Directory Transport Version: 1.1\n'));
}

/**
 * Write the fixtures under dir: OCI images as one OCI layout per name (dir/NAME, tag inside),
 * Docker schema2 images as dir: directories (dir/dir/NAME_TAG), skopeo's oci: transport ignoring
 * non-OCI media types in an index.json. Returns the list (also in dir/fixtures.json).
 */
export function writeFixtures(dir: string, fx: Fixtures): FixtureImage[] {
  const list: FixtureImage[] = [];
  for (const { name, tag, image } of fx.images) {
    const d = topDescriptor(image);
    const oci = d.mediaType === OCI.OCI_MANIFEST || d.mediaType === OCI.OCI_INDEX;
    let source: string;
    if (oci) {
      writeOciLayout(join(dir, name), [{ tag, image }]);
      source = `oci:${name}:${tag}`;
    } else {
      writeDirImage(join(dir, 'dir', `${name}_${tag}`), image);
      source = `dir:dir/${name}_${tag}`;
    }
    list.push({ name, tag, mediaType: d.mediaType, digest: d.digest, index: isIndexImage(image), source });
  }
  // Sources are stored relative (the dir is built under a temp name); readFixtures() resolves them.
  writeFileSync(join(dir, 'fixtures.json'), JSON.stringify(list, null, 2) + '\n', { mode: 0o644 });
  return list.map((f) => ({ ...f, source: f.source.replace(':', `:${dir}/`) }));
}

/** The fixture list of a built fixture dir (TSPOD_TEST_OCI_DIR). */
export function readFixtures(dir = process.env.TSPOD_TEST_OCI_DIR!): FixtureImage[] {
  const list: FixtureImage[] = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8'));
  return list.map((f) => ({ ...f, source: f.source.replace(':', `:${dir}/`) }));
}

// ---- validation, after ggcr pkg/v1/validate ----

/** Where validateImage() reads an image from. */
export interface ImageReader {
  /** The manifest/index for a tag or digest. */
  manifest(ref: string): Promise<{ bytes: Buffer; mediaType: string }>;
  blob(digest: string): Promise<Buffer>;
}

/** Read an OCI layout directory (ref: a tag from index.json ref.name, or a digest). */
export function ociLayoutReader(dir: string): ImageReader {
  const blob = async (digest: string) => readFileSync(join(dir, 'blobs', digest.replace(':', '/')));
  return {
    blob,
    async manifest(ref) {
      if (ref.startsWith('sha256:')) {
        const bytes = await blob(ref);
        return { bytes, mediaType: JSON.parse(bytes.toString()).mediaType ?? OCI.OCI_MANIFEST };
      }
      const index: Index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
      const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
      if (!d) throw new Error(`no tag ${ref} in ${dir}`);
      return { bytes: await blob(d.digest), mediaType: d.mediaType };
    },
  };
}

/** Read from a registry over plain http with optional basic credentials (no token flow). */
export function registryReader(host: string, repo: string, creds?: { username: string; password: string }): ImageReader {
  const headers: Record<string, string> = {
    accept: [OCI.OCI_MANIFEST, OCI.OCI_INDEX, OCI.DOCKER_MANIFEST, OCI.DOCKER_MANIFEST_LIST].join(', '),
  };
  if (creds) headers.authorization = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  const get = async (path: string) => {
    const res = await fetch(`http://${host}/v2/${repo}/${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return { bytes: Buffer.from(await res.arrayBuffer()), mediaType: res.headers.get('content-type') ?? '' };
  };
  return { manifest: (ref) => get(`manifests/${ref}`), blob: async (d) => (await get(`blobs/${d}`)).bytes };
}

export interface ValidateOptions {
  /** Skip decompressing layers (fast: check compressed digests and sizes only). */
  fast?: boolean;
}

function decompressed(bytes: Buffer, mediaType: string): Buffer {
  if (OCI.layerCompression(mediaType) === 'gzip') return gunzipSync(bytes);
  if (OCI.layerCompression(mediaType) === 'zstd') throw new Error('zstd layers are not validated here');
  return bytes;
}

/**
 * Check an image (or every image of an index): manifest digest when ref is a digest, config and layer
 * digests and sizes, media types that agree with the manifest's kind, diff IDs of the uncompressed
 * layers against the config's rootfs, history agrees with the layer count. Throws with every problem.
 */
export async function validateImage(reader: ImageReader, ref: string, opts: ValidateOptions = {}): Promise<void> {
  const problems: string[] = [];
  await validateRef(reader, ref, opts, problems, undefined);
  if (problems.length) throw new Error(`invalid image ${ref}:\n  ${problems.join('\n  ')}`);
}

async function validateRef(reader: ImageReader, ref: string, opts: ValidateOptions, problems: string[], expect?: Descriptor): Promise<void> {
  const m = await reader.manifest(ref);
  const digest = sha256(m.bytes);
  if (ref.startsWith("sha256:") && digest !== ref) problems.push(`manifest ${ref}: content hashes to ${digest}`);
  if (expect && m.bytes.length !== expect.size) problems.push(`manifest ${ref}: size ${m.bytes.length}, descriptor says ${expect.size}`);
  const doc = JSON.parse(m.bytes.toString());
  const mediaType = doc.mediaType ?? m.mediaType;
  if (doc.mediaType && m.mediaType && doc.mediaType !== m.mediaType) problems.push(`manifest ${ref}: mediaType ${doc.mediaType} but served as ${m.mediaType}`);
  if (doc.schemaVersion !== 2) problems.push(`manifest ${ref}: schemaVersion ${doc.schemaVersion}`);
  if (OCI.isIndex(mediaType)) {
    const docker = mediaType === OCI.DOCKER_MANIFEST_LIST;
    for (const d of (doc as Index).manifests) {
      if (!d.platform) problems.push(`index ${ref}: entry ${d.digest} has no platform`);
      if (docker && d.mediaType !== OCI.DOCKER_MANIFEST) problems.push(`index ${ref}: docker list entry of type ${d.mediaType}`);
      await validateRef(reader, d.digest, opts, problems, d);
    }
    return;
  }
  if (!OCI.isManifest(mediaType)) { problems.push(`manifest ${ref}: unknown media type ${mediaType}`); return; }
  const man = doc as Manifest;
  const docker = mediaType === OCI.DOCKER_MANIFEST;
  const wantConfigType = docker ? OCI.DOCKER_CONFIG : OCI.OCI_CONFIG;
  if (man.config.mediaType !== wantConfigType) problems.push(`config: media type ${man.config.mediaType}, want ${wantConfigType}`);
  const configBytes = await reader.blob(man.config.digest);
  if (sha256(configBytes) !== man.config.digest) problems.push(`config: content hashes to ${sha256(configBytes)}, manifest says ${man.config.digest}`);
  if (configBytes.length !== man.config.size) problems.push(`config: size ${configBytes.length}, manifest says ${man.config.size}`);
  const config: ImageConfig = JSON.parse(configBytes.toString());
  if (config.rootfs?.type !== 'layers') problems.push(`config: rootfs.type ${config.rootfs?.type}`);
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length !== man.layers.length) problems.push(`config: ${diffIDs.length} diff_ids for ${man.layers.length} layers`);
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  if (config.history && history.length !== man.layers.length) problems.push(`config: ${history.length} non-empty history entries for ${man.layers.length} layers`);
  for (const [i, l] of man.layers.entries()) {
    const okType = docker ? [OCI.DOCKER_LAYER_GZIP, DOCKER_LAYER_TAR, OCI.DOCKER_LAYER_FOREIGN_GZIP].includes(l.mediaType)
      : l.mediaType.startsWith('application/vnd.oci.image.layer.');
    if (!okType) problems.push(`layer ${i}: media type ${l.mediaType} in a ${mediaType} manifest`);
    const bytes = await reader.blob(l.digest);
    if (sha256(bytes) !== l.digest) problems.push(`layer ${i}: content hashes to ${sha256(bytes)}, manifest says ${l.digest}`);
    if (bytes.length !== l.size) problems.push(`layer ${i}: size ${bytes.length}, manifest says ${l.size}`);
    if (!opts.fast) {
      let diffID: string | undefined;
      try { diffID = sha256(decompressed(bytes, l.mediaType)); } catch (e) { problems.push(`layer ${i}: decompressing: ${(e as Error).message}`); }
      if (diffID && diffID !== diffIDs[i]) problems.push(`layer ${i}: diff ID ${diffID}, config says ${diffIDs[i]}`);
    }
  }
}

/** Read a dir: transport directory (ref: "" for the top manifest, or an instance digest). */
export function dirReader(dir: string): ImageReader {
  return {
    blob: async (digest) => readFileSync(join(dir, digest.slice(7))),
    async manifest(ref) {
      const bytes = readFileSync(join(dir, ref.startsWith('sha256:') ? `${ref.slice(7)}.manifest.json` : 'manifest.json'));
      return { bytes, mediaType: JSON.parse(bytes.toString()).mediaType ?? '' };
    },
  };
}

/** A reader for a FixtureImage's on-disk copy, and the ref to validate. */
export function fixtureReader(f: FixtureImage): { reader: ImageReader; ref: string } {
  if (f.source.startsWith('dir:')) return { reader: dirReader(f.source.slice(4)), ref: '' };
  const rest = f.source.slice(4);
  const i = rest.lastIndexOf(':');
  return { reader: ociLayoutReader(rest.slice(0, i)), ref: rest.slice(i + 1) };
}
