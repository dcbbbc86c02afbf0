// Where signatures of docker:// images are read from and written to: the lookaside store that
// registries.d names (file:// read/write, http(s):// read), laid out as
// <base>/<repository path>@<algo>=<hex>/signature-<N> (N from 1), and, when registries.d sets
// use-sigstore-attachments, sigstore signatures as the "<algo>-<hex>.sig" tag of the repository.
// Called by the docker transport's getSignatures/putSignatures (lib/transports/docker).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { TspodError } from '../errors.ts';
import { OCI_CONFIG, OCI_MANIFEST } from '../oci/media-types.ts';
import { sha256Digest } from '../oci/digest.ts';
import type { ImageReference, SystemContext } from '../transports/types.ts';
import { signatureFromBlob, signatureToBlob, SIGSTORE_MIME, type Signature } from './blob.ts';
import { parseDockerRef } from './identity.ts';
import { loadRegistriesD, lookasideBase, useSigstoreAttachments, type RegistriesD } from './registries-d.ts';

/** The registry calls attachments need (a subset of lib/registry/client.ts RegistryClient). */
export interface AttachmentClient {
  getManifest(repo: string, ref: string, accept: string[]): Promise<{ bytes: Buffer; mediaType: string; digest: string }>;
  putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<unknown>;
  getBlob(repo: string, digest: string): Promise<{ stream: NodeJS.ReadableStream; size: number }>;
  blobExists(repo: string, digest: string): Promise<number | undefined>;
  uploadBlob(repo: string, digest: string, size: number, stream: Readable): Promise<unknown>;
}

/** What signature storage needs to know about a docker:// image. */
export interface DockerSignatureTarget {
  /** "registry/repo/path" without tag or digest. */
  name: string;
  /** policyConfigurationIdentity ("host/repo:tag") and namespaces, most specific first. */
  identity: string;
  namespaces: string[];
}

export function dockerTarget(ref: ImageReference | string): DockerSignatureTarget {
  const s = typeof ref === 'string' ? ref : ref.dockerReference();
  if (!s) throw new TspodError('INVALID_REFERENCE', 'signature storage needs a docker reference');
  const parsed = parseDockerRef(s);
  const identity = parsed.name + (parsed.tag ? `:${parsed.tag}` : parsed.digest ? `@${parsed.digest}` : '');
  const parts = parsed.name.split('/');
  const namespaces: string[] = [];
  for (let i = parts.length; i >= 1; i--) namespaces.push(parts.slice(0, i).join('/'));
  const host = parts[0].replace(/:\d+$/, '').split('.');
  for (let i = 1; i < host.length; i++) namespaces.push('*.' + host.slice(i).join('.'));
  return { name: parsed.name, identity, namespaces };
}

/** containers/image's built-in lookaside when registries.d names none (shared with podman/skopeo). */
export function builtinLookaside(env: NodeJS.ProcessEnv = process.env): string {
  const rootless = process.getuid?.() !== 0 || env._TSPOD_ROOTLESS_UID !== undefined;
  if (rootless && env.HOME) return `file://${join(env.HOME, '.local/share/containers/sigstore')}`;
  return 'file:///var/lib/containers/sigstore';
}

function repoPath(name: string): string {
  return name.split('/').slice(1).join('/');
}

function signatureUrl(base: string, name: string, manifestDigest: string, index: number): URL {
  const [algo, hex] = manifestDigest.split(':');
  const u = new URL(base.endsWith('/') ? base : base + '/');
  u.pathname = `${u.pathname}${repoPath(name)}@${algo}=${hex}/signature-${index + 1}`;
  return u;
}

async function configFor(ctx: SystemContext): Promise<RegistriesD> {
  return loadRegistriesD(ctx.registriesDir);
}

async function readLookaside(base: string, t: DockerSignatureTarget, manifestDigest: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; ; i++) {
    const u = signatureUrl(base, t.name, manifestDigest, i);
    if (u.protocol === 'file:') {
      try {
        out.push(await readFile(fileURLToPath(u)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
        throw new TspodError('SIGNATURE_STORAGE', `reading signature from ${u.href}: ${(e as Error).message}`);
      }
    } else if (u.protocol === 'http:' || u.protocol === 'https:') {
      // Lazy: undici costs ~70 ms to load and only http lookasides need it.
      const { request } = await import('undici');
      const res = await request(u.href, { method: 'GET' });
      if (res.statusCode === 404) {
        await res.body.dump();
        return out;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new TspodError('SIGNATURE_STORAGE', `reading signature from ${u.href}: status ${res.statusCode}`);
      }
      out.push(Buffer.from(await res.body.arrayBuffer()));
    } else {
      throw new TspodError('SIGNATURE_STORAGE', `unsupported scheme in lookaside URL "${base}"`);
    }
    if (out.length > 1000) throw new TspodError('SIGNATURE_STORAGE', `too many signatures at ${base}`);
  }
}

async function writeLookaside(base: string, t: DockerSignatureTarget, manifestDigest: string, sigs: Buffer[]): Promise<void> {
  const first = signatureUrl(base, t.name, manifestDigest, 0);
  if (first.protocol !== 'file:') {
    throw new TspodError('SIGNATURE_STORAGE', `writing signatures to "${base}" is not supported: only file:// lookaside URLs can be written`);
  }
  for (const [i, sig] of sigs.entries()) {
    const path = fileURLToPath(signatureUrl(base, t.name, manifestDigest, i));
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, sig);
    await rename(tmp, path);
  }
  // Signatures beyond the new list are stale: remove them so readers stop at the right count.
  for (let i = sigs.length; ; i++) {
    const path = fileURLToPath(signatureUrl(base, t.name, manifestDigest, i));
    try {
      await rm(path);
    } catch {
      break;
    }
  }
}

export function attachmentTag(manifestDigest: string): string {
  const [algo, hex] = manifestDigest.split(':');
  return `${algo}-${hex}.sig`;
}

function isNotFound(e: unknown): boolean {
  const x = e as { status?: number; statusCode?: number; code?: string };
  return x?.status === 404 || x?.statusCode === 404 || x?.code === 'MANIFEST_UNKNOWN' || x?.code === 'NOT_FOUND';
}

async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

interface AttachmentManifest {
  schemaVersion: 2;
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[];
}

async function readAttachmentManifest(client: AttachmentClient, t: DockerSignatureTarget, manifestDigest: string): Promise<AttachmentManifest | undefined> {
  try {
    const m = await client.getManifest(repoPath(t.name), attachmentTag(manifestDigest), [OCI_MANIFEST]);
    return JSON.parse(m.bytes.toString('utf8')) as AttachmentManifest;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Sigstore signatures attached to the image (the "<algo>-<hex>.sig" tag), as signature blobs. */
export async function getSigstoreAttachments(client: AttachmentClient, t: DockerSignatureTarget, manifestDigest: string): Promise<Buffer[]> {
  const m = await readAttachmentManifest(client, t, manifestDigest);
  if (!m) return [];
  const out: Buffer[] = [];
  for (const l of m.layers ?? []) {
    if (l.mediaType !== SIGSTORE_MIME) continue;
    const b = await client.getBlob(repoPath(t.name), l.digest);
    const payload = await readAll(b.stream);
    if (sha256Digest(payload) !== l.digest) throw new TspodError('DIGEST_MISMATCH', `sigstore attachment payload ${l.digest} does not match its digest`);
    out.push(signatureToBlob({ format: 'sigstore-json', mimeType: l.mediaType, payload, annotations: l.annotations ?? {} }));
  }
  return out;
}

/** Add sigstore signatures to the attachments manifest (keeping ones already there). */
export async function putSigstoreAttachments(client: AttachmentClient, t: DockerSignatureTarget, manifestDigest: string, sigs: Signature[]): Promise<void> {
  const repo = repoPath(t.name);
  const existing = await readAttachmentManifest(client, t, manifestDigest);
  const layers = existing?.layers ? [...existing.layers] : [];
  for (const s of sigs) {
    if (s.format !== 'sigstore-json') continue;
    const digest = sha256Digest(s.payload);
    const layer = { mediaType: s.mimeType, digest, size: s.payload.length, annotations: s.annotations };
    if (layers.some((l) => l.digest === digest && JSON.stringify(l.annotations ?? {}) === JSON.stringify(s.annotations))) continue;
    if ((await client.blobExists(repo, digest)) === undefined) await client.uploadBlob(repo, digest, s.payload.length, Readable.from([s.payload]));
    layers.push(layer);
  }
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const configDigest = sha256Digest(config);
  if ((await client.blobExists(repo, configDigest)) === undefined) await client.uploadBlob(repo, configDigest, config.length, Readable.from([config]));
  const manifest: AttachmentManifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length }, layers };
  await client.putManifest(repo, attachmentTag(manifestDigest), Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}

export interface DockerSignatureOptions {
  /** Needed only when registries.d enables sigstore attachments for the image. */
  client?: AttachmentClient;
  env?: NodeJS.ProcessEnv;
}

/** All signatures of a docker:// image: lookaside simple signatures, then sigstore attachments if enabled. */
export async function getDockerSignatures(ref: ImageReference | string, manifestDigest: string, ctx: SystemContext, opts: DockerSignatureOptions = {}): Promise<Buffer[]> {
  const t = dockerTarget(ref);
  const cfg = await configFor(ctx);
  const base = lookasideBase(cfg, t.identity, t.namespaces, false) ?? builtinLookaside(opts.env);
  const sigs = await readLookaside(base, t, manifestDigest);
  if (useSigstoreAttachments(cfg, t.identity, t.namespaces) && opts.client) {
    sigs.push(...(await getSigstoreAttachments(opts.client, t, manifestDigest)));
  }
  return sigs;
}

/**
 * Store signatures of a docker:// image: simple signatures replace the lookaside set; sigstore
 * signatures go to attachments, which registries.d must enable (as containers/image requires).
 */
export async function putDockerSignatures(ref: ImageReference | string, manifestDigest: string, sigs: Buffer[], ctx: SystemContext, opts: DockerSignatureOptions = {}): Promise<void> {
  const t = dockerTarget(ref);
  const cfg = await configFor(ctx);
  const parsed = sigs.map((b) => ({ blob: b, sig: signatureFromBlob(b) }));
  const simple = parsed.filter((p) => p.sig.format === 'simple-signing').map((p) => p.blob);
  const sigstore = parsed.filter((p) => p.sig.format === 'sigstore-json').map((p) => p.sig);
  if (sigstore.length > 0) {
    if (!useSigstoreAttachments(cfg, t.identity, t.namespaces)) {
      throw new TspodError('SIGNATURE_STORAGE', 'writing sigstore attachments is disabled by configuration', {
        hint: 'set use-sigstore-attachments: true for the registry in registries.d (containers-registries.d(5))',
      });
    }
    if (!opts.client) throw new TspodError('SIGNATURE_STORAGE', 'writing sigstore attachments needs a registry connection');
    await putSigstoreAttachments(opts.client, t, manifestDigest, sigstore);
  }
  if (simple.length > 0) {
    const base = lookasideBase(cfg, t.identity, t.namespaces, true) ?? builtinLookaside(opts.env);
    await writeLookaside(base, t, manifestDigest, simple);
  }
}
